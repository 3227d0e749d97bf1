/**
 * The seccomp-bpf policy every jail runs under, in kafel syntax (nsjail `--seccomp_string`).
 *
 * Shape: an ALLOWLIST. Only the system calls named in ALLOWED below (the ones CPython, its
 * standard library, the runtime's packages, threads, subprocess, multiprocessing, asyncio, ssl
 * and sqlite make) run; every other call answers ENOSYS ("not implemented": what a kernel
 * without it would say, so libraries take their fallbacks, as glibc does for clone3). nsjail
 * already gives the program no capabilities, an unprivileged uid and fresh namespaces; this
 * filter keeps it to the kernel surface an ordinary Python program needs.
 *
 * Within that, named denials keep a clear, detectable answer:
 * - KILL_PROCESS: syscalls that no ordinary Python program makes and that only mean "trying to
 *   get out" (debugging other processes, namespaces, mounts, kernel modules, bpf). The whole
 *   process dies of SIGSYS at once; it cannot catch or ignore that. See FORBIDDEN_SIGNAL.
 * - ERRNO: syscalls that libraries probe and whose failure they handle (socket(AF_INET),
 *   io_uring, perf, keyrings, clock setting). Python sees a plain OSError.
 *
 * Architecture: kafel compiles for x86-64 and starts the filter with
 * `arch == AUDIT_ARCH_X86_64 ? next : KILL`, so the i386 ABI (int 0x80, available here through
 * IA32 emulation) cannot reach the same syscalls under other numbers. That check is kafel's
 * and uses KILL_THREAD: from the main thread the run ends with SIGSYS like any KILL_PROCESS
 * rule; from a worker thread only that thread vanishes and the program usually hangs until its
 * deadline (still denied, reported as a timeout). The x32 ABI shares AUDIT_ARCH_X86_64 and only
 * sets bit 30 of the number: no x32 number is on the list, so every one answers ENOSYS.
 *
 * Kafel names: a few differ from the kernel's (KAFEL_NAMES); names are checked when nsjail compiles the
 * policy (and by libseccomp in the zygote), so an unknown one makes the sandbox fail at boot.
 */

/** SIGSYS: what the kernel sends when a KILL_PROCESS rule (or kafel's arch check) fires. */
export const FORBIDDEN_SIGNAL = 31;
/*
 * nsjail also logs a kill by the filter ("committed a syscall/seccomp violation and exited with
 * SIGSYS"), but only the signal is relied on: the syscall number is not in nsjail's log, and a
 * forbidden call in a forked child kills only that child (its parent sees -31).
 */

/** errno values the ERRNO rules return (x86-64 Linux). */
const EPERM = 1;
/** The answer to every call not on the list. */
const ENOSYS = 38;
const EAFNOSUPPORT = 97;
const AF_UNIX = 1;
const AF_INET = 2;
const SOCK_STREAM = 1;
/** The socket type without SOCK_NONBLOCK / SOCK_CLOEXEC. */
const SOCK_TYPE_MASK = 0xf;

/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NEW_ANY = 0x7e020000;
const CLONE_NEWPID = 0x20000000;

/**
 * A condition on one argument: equal to `equal`, different from `notEqual`, with none or with
 * any of the bits of `noBits` / `anyBits` set. `kafel` overrides the kafel test (egress only).
 */
export interface SeccompCondition {
  arg: number;
  kafelArgs: string;
  equal?: number;
  notEqual?: number;
  noBits?: number;
  anyBits?: number;
  kafel?: string;
}

/**
 * A rule: an action for some system calls, optionally only when an argument matches. The same
 * rules compile to kafel for nsjail (one-shot jails) and to BPF with libseccomp in the fork
 * server's runs (zygote.py), so both modes enforce one policy. A system call with conditions
 * has rules whose conditions never overlap, so the order of rules never matters.
 */
export interface SeccompRule {
  action: 'allow' | 'kill' | { errno: number };
  syscalls: string[];
  when?: SeccompCondition;
  /** The fork server's zygote needs this call, whole, to build a run's sandbox: the outer jail allows it. */
  zygoteNeeds?: boolean;
  /** The zygote needs this call with this (`equal`) argument only: the outer jail allows that use, and the rule stands for every other. */
  zygoteNeedsWhen?: SeccompCondition & { equal: number };
}

const CLONE_ARGS = 'flags, stack, parent_tid, child_tid, tls';
const SETNS_ARGS = 'fd, nstype';
const SOCKET_ARGS = 'domain, type, protocol';

/**
 * What a run may call, by group (x86-64 names). Left out on purpose, among others: legacy AIO
 * (io_setup, ...: a host-wide count, aio-max-nr), fanotify, name_to_handle_at, personality,
 * modify_ldt, iopl/ioperm, syslog, acct, quotactl, chroot, sethostname, memory policy (mbind,
 * migrate_pages, move_pages), process_madvise, pidfd_getfd, kcmp, landlock, memfd_secret,
 * lookup_dcookie, sysfs, ustat, uselib, vhangup — and clone3 (its flags are in memory, where
 * seccomp cannot read them: ENOSYS makes glibc fall back to clone, whose flags it can).
 */
const ALLOWED: Record<string, string[]> = {
  // Starting and ending, identity (changing it needs capabilities the run does not have), limits.
  process: [
    'execve', 'execveat', 'exit', 'exit_group', 'getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getgid', 'getegid',
    'getresuid', 'getresgid', 'getgroups', 'setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setfsuid',
    'setfsgid', 'setgroups', 'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid', 'capget', 'capset', 'prctl', 'arch_prctl',
    'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'getrlimit', 'setrlimit', 'prlimit64', 'getrusage',
    'times', 'getpriority', 'setpriority', 'umask', 'uname', 'sysinfo', 'getcpu', 'getrandom',
    // Adds filters, which can only narrow this one.
    'seccomp',
  ],
  // fork, subprocess, multiprocessing (clone is allowed below, without namespace flags); signals stay in the run's pid namespace.
  children: ['fork', 'vfork', 'wait4', 'waitid', 'kill', 'tkill', 'tgkill', 'pidfd_open', 'pidfd_send_signal'],
  memory: [
    'brk', 'mmap', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'mlock', 'mlock2', 'munlock', 'mlockall',
    'munlockall', 'membarrier', 'memfd_create', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  ],
  // Threads and their synchronisation, scheduling within the run's own CPUs.
  threads: [
    'futex', 'futex_waitv', 'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getparam', 'sched_setparam',
    'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval',
    'sched_getattr', 'sched_setattr', 'ioprio_get', 'ioprio_set',
  ],
  signals: [
    'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigqueueinfo',
    'rt_tgsigqueueinfo', 'sigaltstack', 'signalfd', 'signalfd4', 'pause', 'restart_syscall',
  ],
  // Reading clocks, sleeping, timers (setting the clock is refused below).
  time: [
    'clock_gettime', 'clock_getres', 'clock_nanosleep', 'nanosleep', 'gettimeofday', 'time', 'alarm', 'getitimer', 'setitimer',
    'timer_create', 'timer_delete', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timerfd_create', 'timerfd_settime',
    'timerfd_gettime',
  ],
  // Descriptors and their data.
  io: [
    'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2', 'open', 'openat',
    'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl', 'ioctl', 'lseek', 'pipe', 'pipe2', 'sendfile',
    'splice', 'tee', 'vmsplice', 'copy_file_range', 'fadvise64', 'readahead', 'fallocate', 'ftruncate', 'truncate', 'fsync',
    'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'flock',
  ],
  // Files and directories in the run's own tmpfs and the read-only mounts.
  files: [
    'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'statfs', 'fstatfs', 'access', 'faccessat', 'faccessat2', 'getcwd',
    'chdir', 'fchdir', 'mkdir', 'mkdirat', 'rmdir', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'unlink', 'unlinkat',
    'symlink', 'symlinkat', 'readlink', 'readlinkat', 'chmod', 'fchmod', 'fchmodat', 'chown', 'fchown', 'lchown', 'fchownat',
    'utime', 'utimes', 'utimensat', 'futimesat', 'getdents', 'getdents64', 'mknod', 'mknodat', 'getxattr', 'lgetxattr',
    'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'setxattr', 'lsetxattr', 'fsetxattr', 'removexattr',
    'lremovexattr', 'fremovexattr',
  ],
  // Waiting on descriptors (asyncio, selectors), events; inotify counts against the slot's own uid.
  polling: [
    'select', 'pselect6', 'poll', 'ppoll', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait',
    'epoll_pwait2', 'eventfd', 'eventfd2', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch',
  ],
  // Socket calls (socket itself below: AF_UNIX only, in a network namespace of loopback alone).
  sockets: [
    'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt',
    'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown',
  ],
  // System V and POSIX IPC, in the run's own ipc namespace; their quotas count against the slot's uid.
  ipc: [
    'shmget', 'shmat', 'shmdt', 'shmctl', 'semget', 'semop', 'semtimedop', 'semctl', 'msgget', 'msgsnd', 'msgrcv', 'msgctl',
    'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr',
  ],
};

export const SECCOMP_RULES: SeccompRule[] = [
  { action: 'allow', syscalls: Object.values(ALLOWED).flat() },
  // Threads, fork and posix_spawn: glibc never passes CLONE_NEW* for them.
  { action: 'allow', syscalls: ['clone'], when: { arg: 0, kafelArgs: CLONE_ARGS, noBits: CLONE_NEW_ANY }, zygoteNeeds: true },
  // Reading or writing another process's memory, or controlling it.
  { action: 'kill', syscalls: ['ptrace', 'process_vm_readv', 'process_vm_writev'] },
  // New namespaces: a nested user namespace hands the program CAP_SYS_ADMIN over it, and with
  // that the whole mount/net/... kernel surface. Only a deliberate attempt matches.
  { action: 'kill', syscalls: ['unshare'], zygoteNeeds: true },
  // The zygote's forker enters its own pid namespace again before each run's new one (zygote.py, fork_run).
  { action: 'kill', syscalls: ['setns'], zygoteNeedsWhen: { arg: 1, kafelArgs: SETNS_ARGS, equal: CLONE_NEWPID } },
  { action: 'kill', syscalls: ['clone'], when: { arg: 0, kafelArgs: CLONE_ARGS, anyBits: CLONE_NEW_ANY }, zygoteNeeds: true },
  // Mounting, old and new API (fails without CAP_SYS_ADMIN anyway; kept out as a clear signal).
  { action: 'kill', syscalls: ['mount'], zygoteNeeds: true },
  { action: 'kill', syscalls: ['umount2', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr'] },
  // Loading code into the kernel, rebooting it, swapping, the "shocker" file-handle escape.
  {
    action: 'kill',
    syscalls: ['bpf', 'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'open_by_handle_at'],
  },
  // Networking: only AF_UNIX (socketpair, asyncio's self-pipe, multiprocessing). `import
  // socket` and libraries that create an AF_INET socket get a clean OSError instead of a kill.
  { action: 'allow', syscalls: ['socket'], when: { arg: 0, kafelArgs: SOCKET_ARGS, equal: AF_UNIX } },
  { action: { errno: EAFNOSUPPORT }, syscalls: ['socket'], when: { arg: 0, kafelArgs: SOCKET_ARGS, notEqual: AF_UNIX } },
  // Large kernel attack surface that runtimes probe and fall back from (libuv/uvloop probe
  // io_uring; profilers probe perf; fault handlers probe userfaultfd).
  { action: { errno: EPERM }, syscalls: ['io_uring_setup', 'io_uring_enter', 'io_uring_register', 'perf_event_open', 'userfaultfd'] },
  // Kernel keyrings: shared kernel state, probed by Kerberos/credential libraries.
  { action: { errno: EPERM }, syscalls: ['keyctl', 'add_key', 'request_key'] },
  // Setting the clock (needs CAP_SYS_TIME anyway; EPERM is what the kernel itself answers).
  // Read-only adjtimex/clock_adjtime queries get EPERM too.
  { action: { errno: EPERM }, syscalls: ['clock_settime', 'settimeofday', 'adjtimex', 'clock_adjtime'] },
];

/** How many system calls a run may make (some only with the arguments above). */
export const ALLOWED_SYSCALL_COUNT = new Set(SECCOMP_RULES.filter((rule) => rule.action === 'allow').flatMap((rule) => rule.syscalls)).size;

/** Where kafel's name differs from the kernel's (and libseccomp's) on x86-64. */
const KAFEL_NAMES: Record<string, string> = {
  umount2: 'umount',
  uname: 'newuname',
  stat: 'newstat',
  fstat: 'newfstat',
  lstat: 'newlstat',
  sendfile: 'sendfile64',
};

function kafelTest(when: SeccompCondition): string {
  if (when.kafel) return when.kafel;
  const [argName] = when.kafelArgs.split(', ').slice(when.arg, when.arg + 1);
  if (when.equal !== undefined) return `${argName} == ${when.equal}`;
  if (when.notEqual !== undefined) return `${argName} != ${when.notEqual}`;
  if (when.noBits !== undefined) return `(${argName} & ${when.noBits}) == 0`;
  return `(${argName} & ${when.anyBits}) != 0`;
}

function kafelRule(rule: SeccompRule): string {
  const names = rule.syscalls.map((name) => KAFEL_NAMES[name] ?? name);
  if (!rule.when) return names.join(', ');
  return names.map((name) => `${name}(${rule.when!.kafelArgs}) { ${kafelTest(rule.when!)} }`).join(', ');
}

function kafelAction(action: SeccompRule['action']): string {
  if (action === 'allow') return 'ALLOW';
  if (action === 'kill') return 'KILL_PROCESS';
  return `ERRNO(${action.errno})`;
}

function kafelPolicy(rules: SeccompRule[]): string {
  const byAction = new Map<string, string[]>();
  for (const rule of rules) {
    const action = kafelAction(rule.action);
    byAction.set(action, [...(byAction.get(action) ?? []), kafelRule(rule)]);
  }
  return [
    'POLICY pyexec {',
    [...byAction].map(([action, list]) => `${action} { ${list.join(', ')} }`).join(',\n'),
    '}',
    `USE pyexec DEFAULT ERRNO(${ENOSYS})`,
  ].join('\n');
}

/** The policy of every run (nsjail's `--seccomp_string` for one-shot jails). */
export const SECCOMP_POLICY: string = kafelPolicy(SECCOMP_RULES);

/**
 * A run with `network: true` (one-shot jails only): TCP stream sockets too, for the loopback
 * forwarder to the egress proxy — its network namespace has nothing but loopback. Raw sockets,
 * UDP and every other family stay refused.
 */
const EGRESS_SOCKETS = `domain == ${AF_UNIX} || (domain == ${AF_INET} && (type & ${SOCK_TYPE_MASK}) == ${SOCK_STREAM})`;
export const EGRESS_SECCOMP_POLICY: string = kafelPolicy(
  SECCOMP_RULES.map((rule) =>
    rule.syscalls.includes('socket') ? { ...rule, when: { ...rule.when!, kafel: rule.action === 'allow' ? EGRESS_SOCKETS : `!(${EGRESS_SOCKETS})` } } : rule,
  ),
);

/**
 * The fork server's outer jail: the same policy, but what the zygote needs to build each run's
 * sandbox (unshare, clone into new namespaces, mount) is allowed whole, and setns into a pid
 * namespace only. Each run then gets the whole policy.
 */
export const ZYGOTE_POLICY: string = kafelPolicy([
  ...SECCOMP_RULES.filter((rule) => !rule.zygoteNeeds).flatMap((rule): SeccompRule[] => {
    if (!rule.zygoteNeedsWhen) return [rule];
    if (rule.when) throw new Error(`${rule.syscalls.join(', ')}: a rule with conditions cannot have zygoteNeedsWhen too`);
    const { equal, ...argument } = rule.zygoteNeedsWhen;
    return [
      { action: 'allow', syscalls: rule.syscalls, when: { ...argument, equal } },
      { action: rule.action, syscalls: rule.syscalls, when: { ...argument, notEqual: equal } },
    ];
  }),
  { action: 'allow', syscalls: [...new Set(SECCOMP_RULES.filter((rule) => rule.zygoteNeeds).flatMap((rule) => rule.syscalls))] },
]);

type LibseccompCondition = [number, string, number, number];

/** A condition as libseccomp takes it: a list of [arg, op, datum_a, datum_b] that must all hold, or (anyBits) one list per bit. */
function libseccompConditions(when: SeccompCondition): LibseccompCondition[][] {
  if (when.equal !== undefined) return [[[when.arg, 'eq', when.equal, 0]]];
  if (when.notEqual !== undefined) return [[[when.arg, 'ne', when.notEqual, 0]]];
  if (when.noBits !== undefined) return [[[when.arg, 'masked_eq', when.noBits, 0]]];
  // "any of these bits": one masked-equal condition per bit, each its own rule.
  const bits = Array.from({ length: 32 }, (_, bit) => 2 ** bit).filter((bit) => (when.anyBits! & bit) !== 0);
  return bits.map((bit) => [[when.arg, 'masked_eq', bit, bit]]);
}

/** The rules as libseccomp takes them (zygote.py); the default answer is ENOSYS. */
export function libseccompRules(): { default_errno: number; rules: { action: 'allow' | 'kill' | number; syscalls: string[]; conditions?: LibseccompCondition[][] }[] } {
  return {
    default_errno: ENOSYS,
    rules: SECCOMP_RULES.map((rule) => {
      const action = typeof rule.action === 'string' ? rule.action : rule.action.errno;
      return rule.when ? { action, syscalls: rule.syscalls, conditions: libseccompConditions(rule.when) } : { action, syscalls: rule.syscalls };
    }),
  };
}
