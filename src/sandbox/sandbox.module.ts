import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NsjailRunner } from './nsjail-runner';
import { PYTHON_RUNNER } from './python-runner';
import { SandboxMonitor } from './sandbox-monitor';
import { CgroupDriver, detectCgroups } from './run-cgroups';
import { SANDBOX_STATUS, SandboxStatus } from './sandbox-status';

const HARNESS_FILE = path.join(__dirname, 'harness', 'harness.py');
const MOUNT_CANDIDATES = ['/usr', '/lib', '/lib64', '/bin', '/dev/null', '/dev/zero', '/dev/urandom', '/dev/random'];
const CGROUP_DRIVER = Symbol('CGROUP_DRIVER');

function describeLimits(config: AppConfig, cgroups: CgroupDriver): SandboxStatus {
  const common = {
    wall_time: 'request timeout, whole process tree killed (pid namespace)',
    output: `stdout and stderr capped at ${config.maxOutputBytes} bytes each`,
    disk: `/tmp tmpfs of ${config.sandboxTmpfsMb} MiB, RLIMIT_FSIZE ${config.sandboxTmpfsMb} MiB`,
    open_files: 'RLIMIT_NOFILE 256',
    network: 'private network namespace; seccomp allows AF_UNIX sockets only',
    syscalls: 'seccomp policy (namespaces, mount, ptrace, bpf, io_uring, keyrings, modules, ... denied)',
    identity: 'uid/gid 99999, no capabilities',
  };
  if (cgroups.mode === 'none') {
    return {
      cgroups: 'none',
      enforced: {
        ...common,
        memory: `RLIMIT_AS ${config.sandboxMemoryMb} MiB per process (weaker: no total, threads limited)`,
        processes: `RLIMIT_NPROC ${config.sandboxMaxPids} per host uid (shared by concurrent runs)`,
      },
      notEnforced: { cpu: `no cgroups: ${cgroups.reason}`, oom_detection_in_children: 'no cgroups' },
    };
  }
  return {
    cgroups: cgroups.mode,
    enforced: {
      ...common,
      memory: `${config.sandboxMemoryMb} MiB per run, no swap (cgroup ${cgroups.mode})`,
      processes: `${config.sandboxMaxPids} processes/threads per run (cgroup ${cgroups.mode})`,
      cpu: `${config.sandboxCpus} CPU(s) per run (cgroup ${cgroups.mode} quota)`,
    },
    notEnforced: {},
  };
}

/** Builds the nsjail runner for this host (SandboxMonitor proves it before serving). */
async function createRunner(config: AppConfig, cgroups: CgroupDriver, status: SandboxStatus): Promise<NsjailRunner> {
  const logger = new Logger('Sandbox');
  const swept = await cgroups.sweep();
  if (swept > 0) logger.warn(`removed ${swept} run cgroups left by a previous process`);
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
      cgroupLimits: cgroups.mode !== 'none',
    },
    existingMounts: new Set([...MOUNT_CANDIDATES, pythonPrefix].filter((mount) => existsSync(mount))),
    cgroups,
    // nsjail itself runs in the run's cgroup too: one more process than the program may have.
    runLimits: { memoryBytes: config.sandboxMemoryMb * 1024 * 1024, maxPids: config.sandboxMaxPids + 1, cpus: config.sandboxCpus },
    pool: { size: config.sandboxPoolSize, maxIdleMs: config.sandboxPoolMaxIdleSeconds * 1000 },
  });
  logger.log(config.sandboxPoolSize > 0 ? `${config.sandboxPoolSize} jails kept pre-started` : 'jails started on demand (SANDBOX_POOL_SIZE=0)');
  for (const [limit, how] of Object.entries(status.enforced)) logger.log(`limit ${limit}: ${how}`);
  for (const [limit, why] of Object.entries(status.notEnforced)) logger.warn(`limit ${limit} NOT enforced: ${why}`);
  return runner;
}

@Module({
  providers: [
    { provide: CGROUP_DRIVER, useFactory: (config: AppConfig) => detectCgroups(config.sandboxCgroupParent), inject: [APP_CONFIG] },
    { provide: SANDBOX_STATUS, useFactory: describeLimits, inject: [APP_CONFIG, CGROUP_DRIVER] },
    { provide: PYTHON_RUNNER, useFactory: createRunner, inject: [APP_CONFIG, CGROUP_DRIVER, SANDBOX_STATUS] },
    SandboxMonitor,
  ],
  exports: [PYTHON_RUNNER, SANDBOX_STATUS, SandboxMonitor],
})
export class SandboxModule implements OnApplicationShutdown {
  constructor(
    @Inject(CGROUP_DRIVER) private readonly cgroups: CgroupDriver,
    @Inject(PYTHON_RUNNER) private readonly runner: NsjailRunner,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runner.close();
    await this.cgroups.close();
  }
}
