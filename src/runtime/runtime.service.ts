import { Inject, Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { APP_CONFIG, AppConfig, DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS } from '../config/app-config';
import { MAX_INPUT_FILES } from '../contract/input-files';
import { WORK_DIR } from '../sandbox/nsjail-args';
import { egressHostList } from '../sandbox/sandbox.module';
import { RuntimeDto, RuntimePackageDto } from './dto/runtime.dto';

/** Asks the runtime's own interpreter (isolated: its site-packages only) what it holds. */
const INVENTORY = `
import importlib.metadata as m, json, platform
packages = {d.metadata["Name"]: d.version for d in m.distributions()}
print(json.dumps({"implementation": platform.python_implementation(), "version": platform.python_version(),
                  "packages": [{"name": n, "version": packages[n]} for n in sorted(packages, key=str.lower)]}))
`;

interface Inventory {
  implementation: string;
  version: string;
  packages: RuntimePackageDto[];
}

@Injectable()
export class RuntimeService {
  /** The runtime does not change while the service runs: asked once. */
  private inventory?: Promise<Inventory>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async describe(): Promise<RuntimeDto> {
    this.inventory ??= this.readInventory();
    const inventory = await this.inventory.catch((error: Error) => {
      this.inventory = undefined;
      throw error;
    });
    const { config } = this;
    return {
      python: { implementation: inventory.implementation, version: inventory.version },
      packages: inventory.packages,
      limits: {
        default: {
          timeout: DEFAULT_TIMEOUT_SECONDS,
          memory_mb: config.sandboxMemoryMb,
          max_processes: config.sandboxMaxPids,
          cpus: config.sandboxCpus,
          max_output_bytes: config.maxOutputBytes,
        },
        maximum: {
          timeout: MAX_TIMEOUT_SECONDS,
          memory_mb: config.sandboxMemoryMbCap,
          max_processes: config.sandboxMaxPidsCap,
          cpus: config.sandboxCpusCap,
          max_output_bytes: config.maxOutputBytesCap,
        },
      },
      files: {
        working_directory: WORK_DIR,
        max_input_files: MAX_INPUT_FILES,
        max_input_files_bytes: config.maxInputFilesBytes,
        max_output_files: config.maxOutputFiles,
        max_output_files_bytes: config.maxOutputFilesBytes,
      },
      network: { egress: config.egressAllowedHosts.length > 0, allowed_hosts: egressHostList(config) },
    };
  }

  private async readInventory(): Promise<Inventory> {
    const python = path.join(this.config.runtime.dir, 'bin', 'python3');
    const { stdout } = await promisify(execFile)(python, ['-I', '-c', INVENTORY], { env: {}, timeout: 30_000 });
    return JSON.parse(stdout) as Inventory;
  }
}
