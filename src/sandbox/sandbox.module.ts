import { Logger, Module } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { prepareCgroups } from './host-cgroups';
import { NsjailRunner } from './nsjail-runner';
import { PYTHON_RUNNER } from './python-runner';

const HARNESS_FILE = path.join(__dirname, 'harness', 'harness.py');
const MOUNT_CANDIDATES = ['/usr', '/lib', '/lib64', '/bin', '/dev/null', '/dev/zero', '/dev/urandom', '/dev/random'];

/** Builds the nsjail runner for this host and proves it with one real run before serving. */
async function createRunner(config: AppConfig): Promise<NsjailRunner> {
  const logger = new Logger('Sandbox');
  const cgroups = await prepareCgroups();
  const pythonPrefix = path.dirname(path.dirname(config.pythonPath));
  const runner = new NsjailRunner({
    nsjailPath: config.nsjailPath,
    maxOutputBytes: config.maxOutputBytes,
    harnessSource: readFileSync(HARNESS_FILE, 'utf8'),
    jail: {
      pythonPath: config.pythonPath,
      memoryMb: config.sandboxMemoryMb,
      maxPids: config.sandboxMaxPids,
      tmpfsMb: config.sandboxTmpfsMb,
      cpuCount: os.availableParallelism(),
      cgroups: cgroups.mode,
    },
    existingMounts: new Set([...MOUNT_CANDIDATES, pythonPrefix].filter((mount) => existsSync(mount))),
  });
  if (cgroups.mode === 'none') {
    logger.warn(`memory and process limits fall back to rlimits (per-process address space, per-uid processes): ${cgroups.reason}`);
  } else {
    logger.log(`limits: memory ${config.sandboxMemoryMb} MiB and ${config.sandboxMaxPids} processes per run (cgroup ${cgroups.mode})`);
  }
  const probe = await runner.run({ code: 'return 6 * 7', env: {}, timeoutSeconds: 10 });
  if (probe.record?.kind !== 'return' || probe.record.result !== 42) {
    throw new Error(
      `Sandbox self-test failed (nsjail ${config.nsjailPath}, python ${config.pythonPath}): ` +
        (probe.sandboxError ?? `exit ${probe.exitCode}, stderr: ${probe.stderr.slice(0, 500)}`),
    );
  }
  logger.log(`self-test passed in ${probe.runTimeMs.toFixed(1)} ms`);
  return runner;
}

@Module({
  providers: [{ provide: PYTHON_RUNNER, useFactory: createRunner, inject: [APP_CONFIG] }],
  exports: [PYTHON_RUNNER],
})
export class SandboxModule {}
