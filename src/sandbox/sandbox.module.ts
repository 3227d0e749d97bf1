import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APP_CONFIG, AppConfig, MAX_TIMEOUT_SECONDS } from '../config/app-config';
import { DEVICES, HOME_DIR, SYSTEM_MOUNTS, WORK_DIR } from './nsjail-args';
import { Metrics } from '../metrics/metrics.service';
import { EgressReport } from './egress-proxy';
import { ForkServerRunner } from './fork-server-runner';
import { NsjailRunner } from './nsjail-runner';
import { PYTHON_RUNNER, PythonRunner, RunLimits } from './python-runner';
import { SandboxMonitor } from './sandbox-monitor';
import { ALLOWED_SYSCALL_COUNT } from './seccomp-policy';
import { CgroupDriver, detectCgroups } from './run-cgroups';
import { SANDBOX_STATUS, SandboxStatus } from './sandbox-status';

const HARNESS_FILE = path.join(__dirname, 'harness', 'harness.py');
const ZYGOTE_FILE = path.join(__dirname, 'harness', 'zygote.py');
/** Where build-runtime.sh leaves matplotlib's font cache, inside the runtime. */
const MATPLOTLIB_CACHE = 'share/pyexec/matplotlib';
const CGROUP_DRIVER = Symbol('CGROUP_DRIVER');

/** EGRESS_ALLOWED_HOSTS as written back, for readiness and GET /v1/runtime. */
export function egressHostList(config: AppConfig): string[] {
  return config.egressAllowedHosts.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}${port === null ? '' : `:${port}`}`);
}

function describeLimits(config: AppConfig, cgroups: CgroupDriver): SandboxStatus {
  const common = {
    wall_time: 'request timeout, whole process tree killed (pid namespace)',
    output: `stdout and stderr capped at ${config.maxOutputBytes} bytes each (a request may ask for up to ${config.maxOutputBytesCap})`,
    disk: `${WORK_DIR} and ${HOME_DIR} tmpfs of ${config.sandboxTmpfsMb} MiB each, RLIMIT_FSIZE ${config.sandboxTmpfsMb} MiB`,
    output_files: `${config.maxOutputFiles} files, ${config.maxOutputFilesBytes} bytes in all`,
    open_files: 'RLIMIT_NOFILE 256',
    network:
      config.egressAllowedHosts.length > 0
        ? `private network namespace; seccomp allows AF_UNIX sockets only, and TCP to the loopback egress forwarder for runs with network: true (egress to ${egressHostList(config).join(', ')})`
        : 'private network namespace; seccomp allows AF_UNIX sockets only; egress off',
    syscalls: `seccomp allowlist of ${ALLOWED_SYSCALL_COUNT} system calls, every other one ENOSYS (namespaces, mount, ptrace, bpf, modules killed; io_uring, keyrings, perf refused)`,
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
      memory: `${config.sandboxMemoryMb} MiB per run (up to ${config.sandboxMemoryMbCap} on request), no swap (cgroup ${cgroups.mode})`,
      processes: `${config.sandboxMaxPids} processes/threads per run (up to ${config.sandboxMaxPidsCap} on request) (cgroup ${cgroups.mode})`,
      cpu: `${config.sandboxCpus} CPU(s) per run (up to ${config.sandboxCpusCap} on request) (cgroup ${cgroups.mode} quota)`,
    },
    notEnforced: {},
  };
}

/** Builds the nsjail runner for this host (SandboxMonitor proves it before serving). */
/** The limits of a run whose request asks for none. */
function defaultRunLimits(config: AppConfig): RunLimits {
  return { memoryMb: config.sandboxMemoryMb, maxProcesses: config.sandboxMaxPids, cpus: config.sandboxCpus, maxOutputBytes: config.maxOutputBytes };
}

/** The runner and what shutdown does with it. */
type Runner = PythonRunner & { close(): Promise<void> };

async function createRunner(config: AppConfig, cgroups: CgroupDriver, status: SandboxStatus, metrics: Metrics): Promise<Runner> {
  const logger = new Logger('Sandbox');
  const swept = await cgroups.sweep();
  if (swept > 0) logger.warn(`removed ${swept} run cgroups left by a previous process`);
  const { runtime } = config;
  const harness = readFileSync(HARNESS_FILE, 'utf8');
  const options = {
    nsjailPath: config.nsjailPath,
    // The harness's entry: read the payload from, and write the record to, the control descriptor.
    harnessSource: `${harness}\nharness(int(sys.argv[1]))\n`,
    zygoteSource: `${harness}\n${readFileSync(ZYGOTE_FILE, 'utf8')}`,
    preload: config.sandboxPreload,
    jail: {
      runtime: { hostDir: runtime.dir, jailDir: runtime.jailDir },
      maxMemoryMb: config.sandboxMemoryMbCap,
      maxProcesses: config.sandboxMaxPidsCap,
      tmpfsMb: config.sandboxTmpfsMb,
      cpuCount: os.availableParallelism(),
      cgroupLimits: cgroups.mode !== 'none',
    },
    existingMounts: new Set([...SYSTEM_MOUNTS, ...DEVICES].filter((mount) => existsSync(mount))),
    cgroups,
    defaultLimits: defaultRunLimits(config),
    outputFiles: { maxFiles: config.maxOutputFiles, maxBytes: config.maxOutputFilesBytes },
    matplotlibCache: existsSync(path.join(runtime.dir, MATPLOTLIB_CACHE)) ? `${runtime.jailDir}/${MATPLOTLIB_CACHE}` : null,
    pool: { size: config.sandboxPoolSize, maxIdleMs: config.sandboxPoolMaxIdleSeconds * 1000 },
    maxTimeoutSeconds: MAX_TIMEOUT_SECONDS,
    egress:
      config.egressAllowedHosts.length > 0
        ? {
            allowedHosts: config.egressAllowedHosts,
            allowPrivateHosts: config.egressAllowPrivateHosts,
            maxBytes: config.egressMaxBytes,
            maxConnections: config.egressMaxConnections,
          }
        : null,
    onEgress: (report: EgressReport) => {
      metrics.egressConnections.inc({ result: 'allowed' }, report.allowed);
      metrics.egressConnections.inc({ result: 'refused' }, report.refused);
    },
  };
  const forkServers = config.sandboxForkServer && config.sandboxPoolSize > 0;
  const runner = forkServers ? new ForkServerRunner(options) : new NsjailRunner(options);
  logger.log(
    forkServers
      ? `${config.sandboxPoolSize} fork servers, preloading ${config.sandboxPreload.join(', ') || 'nothing'}`
      : config.sandboxPoolSize > 0
        ? `${config.sandboxPoolSize} one-shot jails kept pre-started (SANDBOX_FORKSERVER=0)`
        : 'one-shot jails started on demand (SANDBOX_POOL_SIZE=0)',
  );
  for (const [limit, how] of Object.entries(status.enforced)) logger.log(`limit ${limit}: ${how}`);
  for (const [limit, why] of Object.entries(status.notEnforced)) logger.warn(`limit ${limit} NOT enforced: ${why}`);
  return runner;
}

@Module({
  providers: [
    { provide: CGROUP_DRIVER, useFactory: (config: AppConfig) => detectCgroups(config.sandboxCgroupParent), inject: [APP_CONFIG] },
    { provide: SANDBOX_STATUS, useFactory: describeLimits, inject: [APP_CONFIG, CGROUP_DRIVER] },
    { provide: PYTHON_RUNNER, useFactory: createRunner, inject: [APP_CONFIG, CGROUP_DRIVER, SANDBOX_STATUS, Metrics] },
    SandboxMonitor,
  ],
  exports: [PYTHON_RUNNER, SANDBOX_STATUS, SandboxMonitor],
})
export class SandboxModule implements OnApplicationShutdown {
  constructor(
    @Inject(CGROUP_DRIVER) private readonly cgroups: CgroupDriver,
    @Inject(PYTHON_RUNNER) private readonly runner: Runner,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runner.close();
    await this.cgroups.close();
  }
}
