import * as path from 'node:path';
import { SECCOMP_POLICY } from './seccomp-policy';

export interface JailSettings {
  pythonPath: string;
  memoryMb: number;
  maxPids: number;
  tmpfsMb: number;
  cpuCount: number;
  /** True when the run's cgroup bounds memory and processes (see run-cgroups.ts). */
  cgroupLimits: boolean;
}

/** The unprivileged host uid/gid the jail's user is mapped to (uid 0 is never mapped). */
export const JAIL_UID = 99999;
/** nsjail writes its log here; the harness's control socket is the next descriptor. */
export const NSJAIL_LOG_FD = 3;
export const CONTROL_FD = 4;

const SHM_BYTES = 8 * 1024 * 1024;
const RUNTIME_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'];
const DEVICES = ['/dev/null', '/dev/zero', '/dev/urandom', '/dev/random'];

/** Mounts the interpreter needs beyond /usr (e.g. PYTHON_PATH=/opt/python/bin/python3). */
function runtimeMounts(pythonPath: string): string[] {
  const prefix = path.dirname(path.dirname(pythonPath));
  const covered = RUNTIME_MOUNTS.some((mount) => prefix === mount || prefix.startsWith(`${mount}/`));
  return covered ? RUNTIME_MOUNTS : [...RUNTIME_MOUNTS, prefix];
}

/**
 * nsjail's command line for one run of the harness (STANDALONE_ONCE mode). `lifetimeSeconds`
 * is nsjail's own wall-clock limit, only a backstop: the runner enforces each run's deadline.
 */
export function buildNsjailArgs(
  settings: JailSettings,
  existingMounts: (mount: string) => boolean,
  lifetimeSeconds: number,
  harnessSource: string,
): string[] {
  const args = [
    '--mode', 'o',
    '--log_fd', String(NSJAIL_LOG_FD),
    '--pass_fd', String(CONTROL_FD),
    '--hostname', 'sandbox',
    // inside:outside:count. A bare `--user 99999` would map the jail's user to host root.
    '--user', `${JAIL_UID}:${JAIL_UID}:1`,
    '--group', `${JAIL_UID}:${JAIL_UID}:1`,
    '--cwd', '/tmp',
    '--time_limit', String(lifetimeSeconds),
    '--env', 'PATH=/usr/local/bin:/usr/bin:/bin',
    '--env', 'HOME=/tmp',
    '--env', 'LANG=C.UTF-8',
    '--mount', `none:/tmp:tmpfs:size=${settings.tmpfsMb * 1024 * 1024},nr_inodes=4096,mode=1777`,
    // multiprocessing's semaphores and queues need a small shared-memory tmpfs.
    '--mount', `none:/dev/shm:tmpfs:size=${SHM_BYTES},nr_inodes=256,mode=1777`,
    '--seccomp_string', SECCOMP_POLICY,
    '--rlimit_fsize', String(settings.tmpfsMb),
    '--rlimit_nofile', '256',
    '--rlimit_core', '0',
    // CPU time cannot exceed wall time × cores, so this never fires before the deadline.
    '--rlimit_cpu', String(lifetimeSeconds * settings.cpuCount),
  ];
  for (const mount of runtimeMounts(settings.pythonPath).filter(existingMounts)) {
    args.push('--bindmount_ro', mount);
  }
  for (const device of DEVICES.filter(existingMounts)) {
    args.push('--bindmount_ro', device);
  }
  if (settings.cgroupLimits) {
    // The cgroup bounds resident memory; the address-space limit is only a backstop, kept
    // large because glibc reserves address space per thread.
    args.push('--rlimit_as', String(settings.memoryMb * 8));
  } else {
    args.push('--rlimit_as', String(settings.memoryMb));
    // Counted per host uid, so shared by concurrent runs: a weaker bound than the cgroup's.
    args.push('--rlimit_nproc', String(settings.maxPids));
  }
  args.push('--', settings.pythonPath, '-I', '-B', '-u', '-c', harnessSource);
  return args;
}
