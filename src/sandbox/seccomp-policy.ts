/**
 * The seccomp-bpf policy every jail runs under, in kafel syntax (nsjail `--seccomp_string`).
 *
 * Shape: DEFAULT ALLOW with a deny list. nsjail already gives the program no capabilities, an
 * unprivileged uid and fresh namespaces; this filter removes the kernel surface that is still
 * reachable without privileges (nested user namespaces, io_uring, bpf, ...) and turns the
 * obvious escape attempts into a clear, detectable end of the run.
 *
 * Two kinds of denial:
 * - KILL_PROCESS: syscalls that no ordinary Python program makes and that only mean "trying to
 *   get out" (debugging other processes, namespaces, mounts, kernel modules, bpf). The whole
 *   process dies of SIGSYS at once; it cannot catch or ignore that. See FORBIDDEN_SIGNAL.
 * - ERRNO: syscalls that libraries probe and whose failure they handle (socket(AF_INET),
 *   clone3, io_uring, perf, keyrings, clock setting). Python sees a plain OSError.
 *
 * Architecture: kafel compiles for x86-64 and starts the filter with
 * `arch == AUDIT_ARCH_X86_64 ? next : KILL`, so the i386 ABI (int 0x80, available here through
 * IA32 emulation) cannot reach the same syscalls under other numbers. That check is kafel's
 * and uses KILL_THREAD: from the main thread the run ends with SIGSYS like any KILL_PROCESS
 * rule; from a worker thread only that thread vanishes and the program usually hangs until its
 * deadline (still denied, reported as a timeout). The x32 ABI shares AUDIT_ARCH_X86_64 and only
 * sets bit 30 of the number, which kafel does not check: X32_ABI below refuses that numbering
 * (this machine's kernel has no x32; Debian's has it, off unless booted with syscall.x32=y).
 *
 * Kafel names: `umount` is umount2 (166) on x86-64; names are checked when nsjail compiles the
 * policy, so an unknown one makes nsjail exit 255 before running anything.
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
const ENOSYS = 38;
const EAFNOSUPPORT = 97;
const AF_UNIX = 1;
const AF_INET = 2;
const SOCK_STREAM = 1;
/** The socket type without SOCK_NONBLOCK / SOCK_CLOEXEC. */
const SOCK_TYPE_MASK = 0xf;

/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NEW_ANY = 0x7e020000;
/**
 * The x32 ABI is bit 30 of the syscall number. Its table ends at 0x40000223 (547, pwritev2)
 * and the kernel answers ENOSYS above it; 0x240 numbers leave room for new syscalls. Each
 * number costs kafel ~0.6 µs to compile on every run (~0.35 ms here for the whole block).
 */
const X32_SYSCALL_BIT = 0x40000000;
const X32_SPAN = 0x240;

/**
 * A rule: an action for some system calls, optionally only when an argument matches. The same
 * rules compile to kafel for nsjail (one-shot jails) and to BPF with libseccomp in the fork
 * server's runs (zygote.py), so both modes enforce one policy.
 */
export interface SeccompRule {
  action: 'kill' | { errno: number };
  syscalls: string[];
  /** Only when argument `arg` has any of `anyBits` set (a bit mask), or differs from `notEqual`. */
  when?: { arg: number; kafelArgs: string; anyBits?: number; notEqual?: number; kafel?: string };
  /** The fork server's zygote needs this call to build a run's sandbox: the outer jail allows it. */
  zygoteNeeds?: boolean;
}

const CLONE_ARGS = 'flags, stack, parent_tid, child_tid, tls';

export const SECCOMP_RULES: SeccompRule[] = [
  // Reading or writing another process's memory, or controlling it.
  { action: 'kill', syscalls: ['ptrace', 'process_vm_readv', 'process_vm_writev'] },
  // New namespaces: a nested user namespace hands the program CAP_SYS_ADMIN over it, and with
  // that the whole mount/net/... kernel surface. glibc never passes CLONE_NEW* for fork,
  // threads or posix_spawn, so only a deliberate attempt matches.
  { action: 'kill', syscalls: ['unshare'], zygoteNeeds: true },
  { action: 'kill', syscalls: ['setns'] },
  { action: 'kill', syscalls: ['clone'], when: { arg: 0, kafelArgs: CLONE_ARGS, anyBits: CLONE_NEW_ANY }, zygoteNeeds: true },
  // Mounting, old and new API (fails without CAP_SYS_ADMIN anyway; kept out as a clear signal).
  { action: 'kill', syscalls: ['mount'], zygoteNeeds: true },
  { action: 'kill', syscalls: ['umount2', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr'] },
  // Loading code into the kernel, rebooting it, swapping, the "shocker" file-handle escape.
  {
    action: 'kill',
    syscalls: ['bpf', 'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'open_by_handle_at'],
  },
  // glibc (pthread_create, posix_spawn) tries clone3 first and falls back to clone only on
  // ENOSYS. clone3 passes its flags in memory, which seccomp cannot read, so it goes entirely.
  { action: { errno: ENOSYS }, syscalls: ['clone3'] },
  // Networking: only AF_UNIX (socketpair, asyncio's self-pipe, multiprocessing). `import
  // socket` and libraries that create an AF_INET socket get a clean OSError instead of a kill.
  { action: { errno: EAFNOSUPPORT }, syscalls: ['socket'], when: { arg: 0, kafelArgs: 'domain, type, protocol', notEqual: AF_UNIX } },
  // Large kernel attack surface that runtimes probe and fall back from (libuv/uvloop probe
  // io_uring; profilers probe perf; fault handlers probe userfaultfd).
  { action: { errno: EPERM }, syscalls: ['io_uring_setup', 'io_uring_enter', 'io_uring_register', 'perf_event_open', 'userfaultfd'] },
  // Kernel keyrings: shared kernel state, probed by Kerberos/credential libraries.
  { action: { errno: EPERM }, syscalls: ['keyctl', 'add_key', 'request_key'] },
  // Setting the clock (needs CAP_SYS_TIME anyway; EPERM is what the kernel itself answers).
  // Read-only adjtimex/clock_adjtime queries get EPERM too.
  { action: { errno: EPERM }, syscalls: ['clock_settime', 'settimeofday', 'adjtimex', 'clock_adjtime'] },
];

/** Every x32 syscall number answers ENOSYS, as on a kernel built without x32 (like this one). */
const X32_ABI = Array.from({ length: X32_SPAN }, (_, i) => `SYSCALL[${X32_SYSCALL_BIT + i}]`).join(',');

/** kafel names umount2 `umount` (166 on x86-64). */
const KAFEL_NAMES: Record<string, string> = { umount2: 'umount' };

function kafelRule(rule: SeccompRule): string {
  const names = rule.syscalls.map((name) => KAFEL_NAMES[name] ?? name);
  if (!rule.when) return names.join(', ');
  const [argName] = rule.when.kafelArgs.split(', ').slice(rule.when.arg, rule.when.arg + 1);
  const test = rule.when.kafel ?? (rule.when.anyBits !== undefined ? `(${argName} & ${rule.when.anyBits}) != 0` : `${argName} != ${rule.when.notEqual}`);
  return names.map((name) => `${name}(${rule.when!.kafelArgs}) { ${test} }`).join(', ');
}

function kafelPolicy(rules: SeccompRule[]): string {
  const kill = rules.filter((rule) => rule.action === 'kill').map(kafelRule);
  const errnos = new Map<number, string[]>();
  for (const rule of rules) {
    if (rule.action === 'kill') continue;
    errnos.set(rule.action.errno, [...(errnos.get(rule.action.errno) ?? []), kafelRule(rule)]);
  }
  return [
    'POLICY pyexec {',
    [
      `KILL_PROCESS { ${kill.join(', ')} }`,
      ...[...errnos].map(([errno, list]) => `ERRNO(${errno}) { ${list.join(', ')} }`),
      `ERRNO(${ENOSYS}) { ${X32_ABI} }`,
    ].join(',\n'),
    '}',
    'USE pyexec DEFAULT ALLOW',
  ].join('\n');
}

/** The policy of every run (nsjail's `--seccomp_string` for one-shot jails). */
export const SECCOMP_POLICY: string = kafelPolicy(SECCOMP_RULES);

/**
 * A run with `network: true` (one-shot jails only): TCP stream sockets too, for the loopback
 * forwarder to the egress proxy — its network namespace has nothing but loopback. Raw sockets,
 * UDP and every other family stay refused.
 */
export const EGRESS_SECCOMP_POLICY: string = kafelPolicy(
  SECCOMP_RULES.map((rule) =>
    rule.syscalls.includes('socket')
      ? { ...rule, when: { ...rule.when!, kafel: `domain != ${AF_UNIX} && (domain != ${AF_INET} || (type & ${SOCK_TYPE_MASK}) != ${SOCK_STREAM})` } }
      : rule,
  ),
);

/**
 * The fork server's outer jail: the same policy less what the zygote needs to build each run's
 * sandbox (unshare, clone into new namespaces, mount). Each run then gets the whole policy.
 */
export const ZYGOTE_POLICY: string = kafelPolicy(SECCOMP_RULES.filter((rule) => !rule.zygoteNeeds));

/** The rules as libseccomp takes them (zygote.py): [arg, op, datum_a, datum_b] conditions. */
export function libseccompRules(): { action: 'kill' | number; syscalls: string[]; conditions?: [number, string, number, number][] }[] {
  return SECCOMP_RULES.map((rule) => {
    const action = rule.action === 'kill' ? 'kill' : rule.action.errno;
    const { when } = rule;
    if (!when) return { action, syscalls: rule.syscalls };
    if (when.notEqual !== undefined) return { action, syscalls: rule.syscalls, conditions: [[when.arg, 'ne', when.notEqual, 0]] };
    // "any of these bits": one masked-equal condition per bit, each its own rule.
    const bits = Array.from({ length: 32 }, (_, bit) => 2 ** bit).filter((bit) => (when.anyBits! & bit) !== 0);
    return { action, syscalls: rule.syscalls, conditions: bits.map((bit) => [when.arg, 'masked_eq', bit, bit] as [number, string, number, number]) };
  });
}
