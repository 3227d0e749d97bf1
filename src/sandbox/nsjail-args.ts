import { EGRESS_SECCOMP_POLICY, SECCOMP_POLICY, ZYGOTE_POLICY } from './seccomp-policy';

/** The Python runtime (scripts/build-runtime.sh): a venv on the host, mounted read-only in the jail. */
export interface RuntimeMount {
  hostDir: string;
  jailDir: string;
}

export interface JailSettings {
  runtime: RuntimeMount;
  /** The most memory any run may ask for: the backstop rlimits are set for it, the harness lowers them. */
  maxMemoryMb: number;
  /** The most processes any run may ask for (the rlimit when there are no cgroups). */
  maxProcesses: number;
  tmpfsMb: number;
  cpuCount: number;
  /** True when the run's cgroup bounds memory and processes (see run-cgroups.ts). */
  cgroupLimits: boolean;
  /** What of /proc every run sees masked (procMasks). */
  procMasks: ProcMasks;
}

/**
 * /proc entries a run keeps: its own processes (self, thread-self and the pid directories, not
 * listed here), views of its own namespaces (mounts, net, sysvipc), and what uname(2) and
 * sched_getaffinity(2) tell anyway (version, cpuinfo) or is the same on every host
 * (filesystems). Every other top-level entry is host-wide (load, memory, uptime, boot command
 * line, kernel config, disks, pressure, interrupts, locks, keys, kernel symbols, /proc/sys with
 * boot_id, ...) and is masked, as container runtimes mask theirs — including entries a newer
 * kernel adds, since the list of what is kept is the allowlist.
 */
const PROC_KEPT = new Set(['self', 'thread-self', 'mounts', 'net', 'sysvipc', 'version', 'cpuinfo', 'filesystems']);

/** Masked /proc entries: files read as empty (a read-only /dev/null over them), directories as an empty read-only tmpfs. */
export interface ProcMasks {
  files: string[];
  dirs: string[];
}

/** Entries the kernel lets no one open without CAP_SYS_ADMIN on the host, whatever their mode. */
const PROC_ADMIN_ONLY = new Set(['mtrr']);

/**
 * The masks for a /proc whose top-level entries are these (read from the host's /proc at boot).
 * An entry only root may open (kcore, kmsg, timer_list, sysrq-trigger, mtrr, ...) needs none: in
 * the jail root is unmapped and no capability is held, so a run gets EACCES or EPERM (and nsjail
 * could not open it to mount over it).
 */
export function procMasks(entries: { name: string; directory: boolean; mode: number }[]): ProcMasks {
  const openToOthers = (name: string, mode: number) => (mode & 0o006) !== 0 && !PROC_ADMIN_ONLY.has(name);
  const masked = entries.filter(({ name, mode }) => !/^\d+$/.test(name) && !PROC_KEPT.has(name) && openToOthers(name, mode));
  return {
    files: masked.filter((entry) => !entry.directory).map(({ name }) => `/proc/${name}`),
    dirs: masked.filter((entry) => entry.directory).map(({ name }) => `/proc/${name}`),
  };
}

/** An empty directory nothing can be written to. */
const MASK_TMPFS = 'ro,size=4096,nr_inodes=1,mode=555';

/** The program's uid/gid inside the jail, mapped to the jail's own unprivileged host uid (host-uids.ts; uid 0 is never mapped). */
export const JAIL_UID = 99999;

/**
 * nsjail starts as the jail's host uid, so that the user namespace it makes is owned by that uid
 * and not by root: the kernel charges per-user counters (inotify, message queues, signals, ...)
 * up the chain of owners, and a run must fill only its own slot's. It keeps the capabilities
 * that building a jail needs on the host side (creating the namespaces, writing the uid and gid
 * maps), ambient across the exec, and no other. setpriv is util-linux's.
 */
export const SETPRIV = '/usr/bin/setpriv';
const NSJAIL_CAPABILITIES = '+sys_admin,+setuid,+setgid';

export function asHostUid(hostUid: number, command: string[]): string[] {
  return [
    SETPRIV, '--reuid', String(hostUid), '--regid', String(hostUid), '--clear-groups',
    // Keep the capabilities through the change of uid, and only these.
    '--securebits', '+no_setuid_fixup',
    '--bounding-set', `-all,${NSJAIL_CAPABILITIES}`,
    '--inh-caps', NSJAIL_CAPABILITIES,
    '--ambient-caps', NSJAIL_CAPABILITIES,
    '--', ...command,
  ];
}
/**
 * nsjail writes its log here; the harness's control socket is the next descriptor (its number is
 * passed to the harness as its argument).
 */
export const NSJAIL_LOG_FD = 3;
export const CONTROL_FD = 4;

/** The one CPU-time formula: a run cannot use more CPU than wall time × the cores it may use. */
export function cpuSecondsLimit(wallSeconds: number, cpus: number): number {
  return Math.ceil(wallSeconds * cpus);
}

/** The program's working directory (its files in and out) and its HOME, each a tmpfs of its own. */
export const WORK_DIR = '/workspace';
export const HOME_DIR = '/tmp';
/** Where a run with `network: true` finds the egress proxy's socket, and the loopback port of its forwarder. */
export const EGRESS_DIR = '/run/pyexec';
export const EGRESS_PORT = 3128;
/**
 * With cgroups bounding resident memory, the address-space limit is only a backstop, kept this
 * many times larger because glibc reserves address space per thread.
 */
export const ADDRESS_SPACE_FACTOR = 8;

const SHM_BYTES = 8 * 1024 * 1024;
/** What the interpreter and its libraries need of the host, read-only. */
export const SYSTEM_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];
export const DEVICES = ['/dev/null', '/dev/zero', '/dev/urandom', '/dev/random'];

export function jailPython(runtime: RuntimeMount): string {
  return `${runtime.jailDir}/bin/python3`;
}

/**
 * nsjail's command line for one run of the harness (STANDALONE_ONCE mode). `lifetimeSeconds`
 * is nsjail's own wall-clock limit, only a backstop: the runner enforces each run's deadline.
 */
export function buildNsjailArgs(
  settings: JailSettings,
  existingMounts: (mount: string) => boolean,
  hostUid: number,
  lifetimeSeconds: number,
  harnessSource: string,
  egressSocketDir?: string,
): string[] {
  return [
    // inside:outside:count. A bare `--user 99999` would map the jail's user to nsjail's own uid.
    '--user', `${JAIL_UID}:${hostUid}:1`,
    '--group', `${JAIL_UID}:${hostUid}:1`,
    '--time_limit', String(lifetimeSeconds),
    // With egress: the proxy's socket, and TCP for the loopback forwarder (nothing else is reachable).
    '--seccomp_string', egressSocketDir ? EGRESS_SECCOMP_POLICY : SECCOMP_POLICY,
    ...(egressSocketDir ? ['--bindmount_ro', `${egressSocketDir}:${EGRESS_DIR}`] : []),
    // Never fires before the deadline; the harness lowers it to the run's own.
    '--rlimit_cpu', String(cpuSecondsLimit(lifetimeSeconds, settings.cpuCount)),
    // nsjail mounts its own /proc after every other mount, where nothing can be laid over it: this
    // one comes first (read-only), then the masks.
    '--disable_proc',
    '--mount', 'none:/proc:proc:ro',
    ...settings.procMasks.files.flatMap((file) => ['--bindmount_ro', `/dev/null:${file}`]),
    ...settings.procMasks.dirs.flatMap((dir) => ['--mount', `none:${dir}:tmpfs:${MASK_TMPFS}`]),
    ...commonArgs(settings, existingMounts),
    '--', jailPython(settings.runtime), '-I', '-B', '-u', '-c', harnessSource, String(CONTROL_FD),
  ];
}

/** What the zygote needs to build each run's sandbox: namespaces and mounts, setuid/setgid, dropping capabilities. */
const ZYGOTE_CAPABILITIES = ['CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP'];

/** The settings the zygote applies to every run's process (zygote.py, become_run). */
export function zygoteRunSettings(settings: JailSettings): Record<string, unknown> {
  return {
    uid: JAIL_UID,
    home_dir: HOME_DIR,
    work_dir: WORK_DIR,
    tmpfs_bytes: settings.tmpfsMb * 1024 * 1024,
    shm_bytes: SHM_BYTES,
    proc_masks: settings.procMasks,
    rlimits: {
      RLIMIT_NOFILE: 256,
      RLIMIT_FSIZE: settings.tmpfsMb * 1024 * 1024,
      RLIMIT_CORE: 0,
      RLIMIT_AS: (settings.cgroupLimits ? settings.maxMemoryMb * ADDRESS_SPACE_FACTOR : settings.maxMemoryMb) * 1024 * 1024,
      ...(!settings.cgroupLimits && { RLIMIT_NPROC: settings.maxProcesses }),
    },
  };
}

/** The host uids of a fork server: its zygote's (nsjail runs as it too) and its runs'. */
export interface ForkServerUids {
  zygote: number;
  runs: number;
}

/**
 * nsjail's command line for a fork server: one long-lived jail whose zygote (uid 0 of its user
 * namespace, mapped to an unprivileged host uid, with ZYGOTE_CAPABILITIES only) forks every run.
 * Its seccomp policy lets the zygote build namespaces and mounts; each run gets the full policy.
 */
export function buildZygoteArgs(settings: JailSettings, existingMounts: (mount: string) => boolean, uids: ForkServerUids, zygoteSource: string, config: object): string[] {
  return [
    '--user', `0:${uids.zygote}:1`,
    '--user', `${JAIL_UID}:${uids.runs}:1`,
    '--group', `0:${uids.zygote}:1`,
    '--group', `${JAIL_UID}:${uids.runs}:1`,
    ...ZYGOTE_CAPABILITIES.flatMap((capability) => ['--cap', capability]),
    // Writable for the zygote's children to set their oom_score_adj before each mounts a
    // read-only, masked /proc of its own over it; no run ever sees this one. It stays unmasked:
    // the kernel lets a user namespace mount a new /proc only where one is fully visible.
    '--proc_rw',
    // No wall-clock limit: the zygote exits when the service closes its control socket.
    '--time_limit', '0',
    '--seccomp_string', ZYGOTE_POLICY,
    // The zygote's CPU time grows with every run it serves; each run gets its own limit.
    '--rlimit_cpu', 'inf',
    ...commonArgs(settings, existingMounts),
    '--', jailPython(settings.runtime), '-I', '-B', '-u', '-c', zygoteSource, String(CONTROL_FD), JSON.stringify(config),
  ];
}

/** Flags both kinds of jail share: namespaces, descriptors, environment, mounts, rlimits. */
function commonArgs(settings: JailSettings, existingMounts: (mount: string) => boolean): string[] {
  const tmpfs = `size=${settings.tmpfsMb * 1024 * 1024},nr_inodes=4096,mode=1777`;
  const args = [
    '--mode', 'o',
    '--log_fd', String(NSJAIL_LOG_FD),
    '--pass_fd', String(CONTROL_FD),
    '--hostname', 'sandbox',
    '--cwd', WORK_DIR,
    '--env', 'PATH=/usr/local/bin:/usr/bin:/bin',
    '--env', `HOME=${HOME_DIR}`,
    '--env', 'LANG=C.UTF-8',
    '--mount', `none:${HOME_DIR}:tmpfs:${tmpfs}`,
    '--mount', `none:${WORK_DIR}:tmpfs:${tmpfs}`,
    // multiprocessing's semaphores and queues need a small shared-memory tmpfs.
    '--mount', `none:/dev/shm:tmpfs:size=${SHM_BYTES},nr_inodes=256,mode=1777`,
    '--rlimit_fsize', String(settings.tmpfsMb),
    '--rlimit_nofile', '256',
    '--rlimit_core', '0',
  ];
  for (const mount of [...SYSTEM_MOUNTS, ...DEVICES].filter(existingMounts)) {
    args.push('--bindmount_ro', mount);
  }
  args.push('--bindmount_ro', `${settings.runtime.hostDir}:${settings.runtime.jailDir}`);
  // Set for the largest limits a run may ask for; the harness lowers them to the run's own.
  if (settings.cgroupLimits) {
    args.push('--rlimit_as', String(settings.maxMemoryMb * ADDRESS_SPACE_FACTOR));
  } else {
    args.push('--rlimit_as', String(settings.maxMemoryMb));
    // Counted per jail (its user namespace and uid), threads included: a weaker bound than the cgroup's.
    args.push('--rlimit_nproc', String(settings.maxProcesses));
  }
  return args;
}
