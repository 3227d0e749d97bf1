import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APP_CONFIG, AppConfig, MAX_TIMEOUT_SECONDS } from '../config/app-config';
import { DEVICES, HOME_DIR, procMasks, SETPRIV, SYSTEM_MOUNTS, WORK_DIR } from './nsjail-args';
import { HostUids } from './host-uids';
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

/** Host processes (this service has started no jail yet) already running as a uid of the range: another service's jails? */
function uidRangeUsers({ sandboxUidBase: base, sandboxUidCount: count }: AppConfig): string[] {
  const users: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (uid >= base && uid < base + count) users.push(`pid ${pid} (uid ${uid})`);
  }
  return users;
}

function describeLimits(config: AppConfig, cgroups: CgroupDriver): SandboxStatus {
  const uidRange = `${config.sandboxUidBase}-${config.sandboxUidBase + config.sandboxUidCount - 1}`;
  const foreign = uidRangeUsers(config);
  const perUid: Pick<SandboxStatus, 'enforced' | 'notEnforced'> =
    foreign.length === 0
      ? { enforced: { per_user_counters: `every jail runs as a host uid of its own (${uidRange}) that owns its user namespace: inotify, pipe buffers, message queues, signals and processes are counted per slot` }, notEnforced: {} }
      : { enforced: {}, notEnforced: { per_user_counters: `host uids ${uidRange} are already in use (${foreign.slice(0, 3).join(', ')}): another service on this host? Give each its own SANDBOX_UID_BASE` } };
  const common = {
    ...perUid.enforced,
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
    identity: 'uid/gid 99999 in the jail (its own host uid outside), no capabilities',
  };
  if (cgroups.mode === 'none') {
    return {
      cgroups: 'none',
      enforced: {
        ...common,
        memory: `RLIMIT_AS ${config.sandboxMemoryMb} MiB per process (weaker: no total, threads limited)`,
        processes: `RLIMIT_NPROC ${config.sandboxMaxPids} per jail`,
      },
      notEnforced: { ...perUid.notEnforced, cpu: `no cgroups: ${cgroups.reason}`, oom_detection_in_children: 'no cgroups' },
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
    notEnforced: perUid.notEnforced,
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
  if (!existsSync(SETPRIV)) throw new Error(`${SETPRIV} (util-linux) is missing: the sandbox starts nsjail through it, as each jail's own host uid`);
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
    leanServerModules: config.sandboxLeanServers ? new Set(runtime.stdlibModules) : null,
    jail: {
      runtime: { hostDir: runtime.dir, jailDir: runtime.jailDir },
      maxMemoryMb: config.sandboxMemoryMbCap,
      maxProcesses: config.sandboxMaxPidsCap,
      tmpfsMb: config.sandboxTmpfsMb,
      cpuCount: os.availableParallelism(),
      cgroupLimits: cgroups.mode !== 'none',
      procMasks: procMasks(
        readdirSync('/proc').flatMap((name) => {
          const stat = lstatSync(`/proc/${name}`, { throwIfNoEntry: false });
          return stat ? [{ name, directory: stat.isDirectory(), mode: stat.mode }] : [];
        }),
      ),
    },
    existingMounts: new Set([...SYSTEM_MOUNTS, ...DEVICES].filter((mount) => existsSync(mount))),
    cgroups,
    defaultLimits: defaultRunLimits(config),
    outputFiles: { maxFiles: config.maxOutputFiles, maxBytes: config.maxOutputFilesBytes },
    matplotlibCache: existsSync(path.join(runtime.dir, MATPLOTLIB_CACHE)) ? `${runtime.jailDir}/${MATPLOTLIB_CACHE}` : null,
    pool: { size: config.sandboxPoolSize, maxIdleMs: config.sandboxPoolMaxIdleSeconds * 1000 },
    hostUids: new HostUids({ base: config.sandboxUidBase, count: config.sandboxUidCount }, config.sandboxSlots),
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
      ? `${config.sandboxPoolSize} fork servers, preloading ${config.sandboxPreload.join(', ') || 'nothing'}` +
          (config.sandboxLeanServers ? `, and ${config.sandboxPoolSize} lean ones, preloading nothing, for programs importing only the standard library` : '')
      : config.sandboxPoolSize > 0
        ? `${config.sandboxPoolSize} one-shot jails kept pre-started (SANDBOX_FORKSERVER=0)`
        : 'one-shot jails started on demand (SANDBOX_POOL_SIZE=0)',
  );
  if (config.sandboxLeanServersOff) logger.warn(`no lean fork servers (SANDBOX_LEAN_SERVERS): ${config.sandboxLeanServersOff}`);
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
