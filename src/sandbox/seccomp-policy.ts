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

/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NEW_ANY = 0x7e020000;
/**
 * The x32 ABI is bit 30 of the syscall number. Its table ends at 0x40000223 (547, pwritev2)
 * and the kernel answers ENOSYS above it; 0x240 numbers leave room for new syscalls. Each
 * number costs kafel ~0.6 µs to compile on every run (~0.35 ms here for the whole block).
 */
const X32_SYSCALL_BIT = 0x40000000;
const X32_SPAN = 0x240;

const KILL_GROUPS = [
  // Reading or writing another process's memory, or controlling it.
  'ptrace, process_vm_readv, process_vm_writev',
  // New namespaces: a nested user namespace hands the program CAP_SYS_ADMIN over it, and with
  // that the whole mount/net/... kernel surface. glibc never passes CLONE_NEW* for fork,
  // threads or posix_spawn, so only a deliberate attempt matches.
  `unshare, setns, clone(flags, stack, parent_tid, child_tid, tls) { (flags & ${CLONE_NEW_ANY}) != 0 }`,
  // Mounting, old and new API (fails without CAP_SYS_ADMIN anyway; kept out as a clear signal).
  'mount, umount, pivot_root, fsopen, fsconfig, fsmount, fspick, move_mount, open_tree, mount_setattr',
  // Loading code into the kernel, rebooting it, swapping, the "shocker" file-handle escape.
  'bpf, init_module, finit_module, delete_module, kexec_load, kexec_file_load, reboot, swapon, swapoff, open_by_handle_at',
];

const ERRNO_GROUPS: Array<[number, string]> = [
  // glibc (pthread_create, posix_spawn) tries clone3 first and falls back to clone only on
  // ENOSYS. clone3 passes its flags in memory, which seccomp cannot read, so it goes entirely.
  [ENOSYS, 'clone3'],
  // Networking: only AF_UNIX (socketpair, asyncio's self-pipe, multiprocessing). `import
  // socket` and libraries that create an AF_INET socket get a clean OSError instead of a kill.
  [EAFNOSUPPORT, 'socket(domain, type, protocol) { domain != 1 }'],
  // Large kernel attack surface that runtimes probe and fall back from (libuv/uvloop probe
  // io_uring; profilers probe perf; fault handlers probe userfaultfd).
  [EPERM, 'io_uring_setup, io_uring_enter, io_uring_register, perf_event_open, userfaultfd'],
  // Kernel keyrings: shared kernel state, probed by Kerberos/credential libraries.
  [EPERM, 'keyctl, add_key, request_key'],
  // Setting the clock (needs CAP_SYS_TIME anyway; EPERM is what the kernel itself answers).
  // Read-only adjtimex/clock_adjtime queries get EPERM too.
  [EPERM, 'clock_settime, settimeofday, adjtimex, clock_adjtime'],
];

/** Every x32 syscall number answers ENOSYS, as on a kernel built without x32 (like this one). */
const X32_ABI = Array.from({ length: X32_SPAN }, (_, i) => `SYSCALL[${X32_SYSCALL_BIT + i}]`).join(',');

export const SECCOMP_POLICY: string = [
  'POLICY pyexec {',
  [
    `KILL_PROCESS { ${KILL_GROUPS.join(', ')} }`,
    ...ERRNO_GROUPS.map(([errno, rules]) => `ERRNO(${errno}) { ${rules} }`),
    `ERRNO(${ENOSYS}) { ${X32_ABI} }`,
  ].join(',\n'),
  '}',
  'USE pyexec DEFAULT ALLOW',
].join('\n');
