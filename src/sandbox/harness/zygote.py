
# The fork server ("zygote"), appended to harness.py and started once per pool slot inside a
# long-lived nsjail, as uid 0 of the jail's user namespace (an unprivileged host uid) with the
# few capabilities it needs to build each run's sandbox. It imports the harness and the preload
# list, never runs user code itself, and relays each run's input and output. Its forker (forked
# before any run, so it never holds run data) forks, per run, the run's process into a fresh pid
# namespace (its pid 1) and a session of its own, where it unshares fresh mount, net, ipc and uts namespaces and gets
# fresh tmpfs mounts, its own /proc, the run's rlimits, uid/gid 99999, no capabilities,
# no_new_privs and the seccomp policy of one-shot jails, before any user code. One fork of the
# big preloaded image per run: its page tables are most of a run's cost. The next run's process
# is forked and parked as soon as the current one's output is complete, waiting for its payload.
#
# Its one argument (after the descriptor number) is a JSON config (fork-server.ts). Protocol on
# the control socket, both ways: frames of a 4-byte big-endian length, a type byte and the data.
#   in:  R  payload length (4 bytes), payload JSON (harness protocol), stdin bytes
#   out: Y  pid of a newly parked process (in this jail's pid namespace): ready for the next run
#        O / E / C  stdout / stderr / record bytes of the run
#        D  the run's output is complete (its process has exited or closed it all)
#        X  the wait status (decimal) of the oldest run that had D, once its namespaces are gone
#        F  a fatal error; the zygote exits
import ctypes
import fcntl
import gc
import json
import selectors
import signal
import socket
import struct

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x4000000, 0x8000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 0x20, 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_CAP_AMBIENT = 1, 4, 24, 38, 22, 47
PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 4, 2
SCMP_ACT_ALLOW, SCMP_ACT_KILL_PROCESS, SCMP_ACT_ERRNO, SCMP_FLTATR_ACT_BADARCH = 0x7FFF0000, 0x80000000, 0x00050000, 2
SCMP_CMP = {"ne": 1, "eq": 4, "masked_eq": 7}
HEADER = struct.Struct(">IB")

libc = ctypes.CDLL(None, use_errno=True)


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), "%s failed: %s" % (what, os.strerror(ctypes.get_errno())))


def compile_seccomp(policy):
    """The runs' seccomp policy as BPF, compiled once with libseccomp; applied per run (install_seccomp)."""
    seccomp = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    seccomp.seccomp_init.restype = ctypes.c_void_p
    seccomp.seccomp_init.argtypes = [ctypes.c_uint32]
    seccomp.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    seccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    seccomp.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    seccomp.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    seccomp.seccomp_release.argtypes = [ctypes.c_void_p]
    # An allowlist: what no rule names answers the default errno.
    ctx = seccomp.seccomp_init(SCMP_ACT_ERRNO | policy["default_errno"])
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        # Any other architecture (the i386 ABI) is killed, as kafel's filter does.
        check(seccomp.seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "seccomp_attr_set")
        for rule in policy["rules"]:
            action = {"allow": SCMP_ACT_ALLOW, "kill": SCMP_ACT_KILL_PROCESS}.get(rule["action"])
            if action is None:
                action = SCMP_ACT_ERRNO | (rule["action"] & 0xFFFF)
            # Each list of conditions is a rule of its own (all of a list must hold).
            alternatives = rule.get("conditions") or [[]]
            for name in rule["syscalls"]:
                number = seccomp.seccomp_syscall_resolve_name(name.encode())
                if number < 0:
                    raise OSError("unknown system call %s" % name)
                for conditions in alternatives:
                    args = (ArgCmp * max(1, len(conditions)))()
                    for i, (arg, op, datum_a, datum_b) in enumerate(conditions):
                        args[i] = ArgCmp(arg, SCMP_CMP[op], datum_a, datum_b)
                    check(seccomp.seccomp_rule_add_array(ctx, action, number, len(conditions), args), "seccomp_rule_add %s" % name)
        read_end, write_end = os.pipe()
        try:
            check(seccomp.seccomp_export_bpf(ctx, write_end), "seccomp_export_bpf")
            os.close(write_end)
            write_end = -1
            chunks = []
            while True:
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        return b"".join(chunks)
    finally:
        seccomp.seccomp_release(ctx)


def install_seccomp(bpf):
    count = len(bpf) // ctypes.sizeof(SockFilter)
    program = (SockFilter * count).from_buffer_copy(bpf)
    fprog = SockFprog(count, ctypes.cast(program, ctypes.POINTER(SockFilter)))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")


def mount(source, target, fstype, flags, data):
    check(libc.mount(source, target.encode(), fstype, flags, data), "mount %s" % target)


def become_run(config, bpf):
    """In the run's process (pid 1 of its pid namespace): its sandbox, before any user code."""
    import resource

    mount(b"none", "/", None, MS_REC | MS_PRIVATE, None)
    tmpfs = "size=%d,nr_inodes=4096,mode=1777" % config["tmpfs_bytes"]
    for target in (config["home_dir"], config["work_dir"]):
        mount(b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, tmpfs.encode())
    mount(b"tmpfs", "/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, ("size=%d,nr_inodes=256,mode=1777" % config["shm_bytes"]).encode())
    # Under memory pressure the run's processes go first, never the zygote (written through the
    # outer jail's /proc, which the run's own hides next).
    with open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("1000")
    # A /proc of its own pid namespace, read-only, its host-wide entries masked, as in a one-shot jail.
    mount(b"proc", "/proc", b"proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    for path in config["proc_masks"]["files"]:
        mount(b"/dev/null", path, None, MS_BIND, None)
        mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, None)
    for path in config["proc_masks"]["dirs"]:
        mount(b"tmpfs", path, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4096,nr_inodes=1,mode=555")
    for name, value in config["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    os.chdir(config["work_dir"])
    uid = config["uid"]
    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    # nsjail (started as an unprivileged host uid) denies setgroups in its jail; setpriv left no groups.
    if os.getgroups():
        os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from uid 0: the effective and permitted capabilities go
    no_capabilities = (CapData * 2)()
    check(libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), no_capabilities), "capset")  # inheritable too
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    # Changing uid made the process undumpable (its /proc files root's); a one-shot jail's program
    # is dumpable after its exec: the same here, so that it reads its own /proc/1/* alike.
    check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
    install_seccomp(bpf)
    # Random state is the run's own: `random` reseeds itself after fork; numpy's global one does not.
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()


def warm_up():
    """The harness's own steps, once, on a program of its own, while the process is parked: the
    memory they write is copied from the zygote's now, not on the request's time."""
    _json.make_scanner(_ScanContext())('{"code": "x", "env": {}, "limits": {"result_bytes": 1}}', 0)
    namespace = {"__builtins__": builtins}
    exec(build_program("values = [1, 'a', 2.5]\nreturn {'values': values}"), namespace)
    encode(namespace.pop(ENTRY)(), [])


def move_descriptors(fds):
    """The run's descriptors at 0..n-1 (stdin, stdout, stderr, payload, record, ready), and nothing
    else of the forker's: its channel to the zygote, other runs' pipes and pidfds, this run's status pipe."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]
    for target, source in enumerate(high):
        os.dup2(source, target)
    os.closerange(len(fds), 1 << 16)


def close_pipes(ends):
    for pipe in ends.values():
        for fd in pipe:
            try:
                os.close(fd)
            except OSError:
                pass


def fork_run(config, bpf, pid_namespace):
    """Forks the next run's process, pid 1 of a new pid namespace, and parks it; returns its pid,
    its pipes (Z's ends) and the write end of its status pipe (the forker reports its wait status)."""
    ends = {}
    try:
        for name in CHILD_PIPES:
            ends[name] = os.pipe()
        # A new pid namespace for the next child only: the forker's own is entered again first (it
        # stays the forker's; only the namespace its children are born in changes).
        check(libc.setns(pid_namespace, CLONE_NEWPID), "setns")
        check(libc.unshare(CLONE_NEWPID), "unshare")
        pid = os.fork()
    except BaseException:
        close_pipes(ends)
        raise
    if pid == 0:
        ready = ends["ready"][1]
        try:
            # A session and process group of its own, as in a one-shot jail: kill(0, ...) by any
            # of its processes reaches the run alone, never the next run's parked process.
            os.setsid()
            check(libc.unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET), "unshare")
            move_descriptors([ends["stdin"][0], ends["stdout"][1], ends["stderr"][1], ends["payload"][0], ends["record"][1], ready])
            ready = 5
            become_run(config, bpf)
            warm_up()
            os.write(ready, b"R\n")
            os.close(ready)
        except BaseException as exc:
            try:
                os.write(ready, ("E%s\n" % exc).encode())
            except OSError:
                pass
            os._exit(71)
        try:
            harness(3, 4)
        finally:
            os._exit(1)  # harness() exits itself; never fall through into the forker's code
    try:
        os.write(ends["ready"][1], ("P%d\n" % pid).encode())
    except BaseException:
        kill_run(pid)
        close_pipes(ends)
        raise
    for name, (read_end, write_end) in ends.items():
        if name != "status":  # the forker keeps its write end
            os.close(read_end if name in ("payload", "stdin") else write_end)
    child = {name: (write_end if name in ("payload", "stdin") else read_end) for name, (read_end, write_end) in ends.items()}
    return pid, child, ends["status"][1]


def kill_run(pid):
    """A run's process the forker cannot hand over: killed (with its pid namespace) and reaped."""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


CHILD_PIPES = ("payload", "stdin", "stdout", "stderr", "record", "status", "ready")


def forker_main(channel, config, bpf):
    """The forker: a copy of the zygote made before any run, so the memory every run is forked
    from never holds another run's code, input, output or result (the zygote relays those). It
    answers "P" with a parked run's pid and its pipes (SCM_RIGHTS), or "E" and why not, and
    writes each run's wait status to the run's status pipe once it has ended (every process of
    its pid namespace is gone then)."""
    os.close(config["control_fd"])
    pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    selector = selectors.DefaultSelector()
    selector.register(channel, selectors.EVENT_READ, None)
    while True:
        for key, _ in selector.select():
            if key.data is not None:
                # A run's pidfd: it has ended.
                pid, status = key.data
                selector.unregister(key.fd)
                os.close(key.fd)
                _, wait_status = os.waitpid(pid, 0)
                try:
                    os.write(status, str(wait_status).encode())
                except OSError:
                    pass  # the zygote no longer reads it: it is stopping
                os.close(status)
                continue
            if not channel.recv(1):
                os._exit(0)
            try:
                pid, child, status = fork_run(config, bpf, pid_namespace)
            except BaseException as exc:
                channel.sendall(("E%s" % exc).encode()[:4000])
                continue
            fds = [child[name] for name in CHILD_PIPES]
            try:
                watch = os.pidfd_open(pid)
            except BaseException as exc:
                kill_run(pid)
                for fd in fds + [status]:
                    os.close(fd)
                channel.sendall(("Ecannot watch the run's process (pidfd_open): %s" % exc).encode()[:4000])
                continue
            selector.register(watch, selectors.EVENT_READ, (pid, status))
            socket.send_fds(channel, [b"K%d" % pid], fds)
            for fd in fds:
                os.close(fd)


def start_forker(config, bpf):
    parent_end, forker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            parent_end.close()
            forker_main(forker_end, config, bpf)
        finally:
            os._exit(1)
    forker_end.close()
    return parent_end


class Zygote:
    def __init__(self, config):
        self.config = config
        self.control = config["control_fd"]
        self.forker = start_forker(config, compile_seccomp(config["seccomp"]))
        self.selector = selectors.DefaultSelector()
        self.inbox = b""
        # The run in progress, and the next run's process, parked once the previous run's output ended.
        self.child = None
        self.spare = None
        self.parking = None
        self.pending = 0
        # Runs whose output is complete, waiting for their wait status, oldest first.
        self.ending = []
        # Runs by their open status pipe (a closed one's number may be a later run's).
        self.by_status_pipe = {}

    def send(self, kind, data=b""):
        frame = HEADER.pack(len(data), ord(kind)) + data
        while frame:
            frame = frame[os.write(self.control, frame):]

    def park(self):
        """Asks the forker for the next run's process; the rest happens in the event loop, so the
        run in progress keeps its output flowing meanwhile."""
        self.forker.sendall(b"P")
        self.selector.register(self.forker, selectors.EVENT_READ, "forker")

    def forked(self):
        self.selector.unregister(self.forker)
        message, fds, _, _ = socket.recv_fds(self.forker, 4096, len(CHILD_PIPES))
        if not message.startswith(b"K") or len(fds) != len(CHILD_PIPES):
            for fd in fds:
                os.close(fd)
            raise OSError("the forker could not fork a run: %s" % message.decode(errors="replace"))
        self.parking = dict(zip(CHILD_PIPES, fds))
        self.parking["pid"] = int(message[1:])
        self.parking["ready_bytes"] = b""
        self.selector.register(self.parking["ready"], selectors.EVENT_READ, "ready")

    def prepared(self):
        """The forker reports the run's pid (P), the run's process that it is ready (R)."""
        parking = self.parking
        chunk = os.read(parking["ready"], 4096)
        if chunk:
            parking["ready_bytes"] += chunk
            return
        self.selector.unregister(parking["ready"])
        os.close(parking["ready"])
        lines = parking["ready_bytes"].split(b"\n")
        pids = [line[1:] for line in lines if line.startswith(b"P")]
        if b"R" not in lines or len(pids) != 1:
            raise OSError("the run's process could not be prepared: %s" % parking["ready_bytes"].decode(errors="replace").strip())
        self.spare, self.parking = parking, None
        self.send("Y", pids[0])

    def serve(self):
        self.selector.register(self.control, selectors.EVENT_READ, "control")
        self.park()
        while True:
            for key, _ in self.selector.select():
                self.handle(key)

    def handle(self, key):
        what = key.data
        if what == "control":
            chunk = os.read(self.control, 1 << 20)
            if not chunk:
                os._exit(0)  # the service is gone: so is the zygote, and every run with it
            self.inbox += chunk
            self.take_frames()
        elif what == "forker":
            self.forked()
        elif what == "ready":
            self.prepared()
        elif what == "status":
            # The run's status can be read before its last output is (same select round).
            ending = self.by_status_pipe[key.fd]
            chunk = os.read(key.fd, 64)
            if chunk:
                ending["wait_status"] = ending.get("wait_status", b"") + chunk
                return
            self.selector.unregister(key.fd)
            del self.by_status_pipe[key.fd]
            os.close(key.fd)
            ending["done"] = True
            self.flush_statuses()
        elif what in ("stdout", "stderr", "record"):
            chunk = os.read(key.fd, 1 << 16)
            if chunk:
                self.send({"stdout": "O", "stderr": "E", "record": "C"}[what], chunk)
                return
            self.selector.unregister(key.fd)
            os.close(key.fd)
            self.pending -= 1
            if self.pending == 0:
                self.end_run()
        else:  # a pipe into the run: payload or stdin
            buffer = self.child["out_" + what]
            try:
                written = os.write(key.fd, buffer[:1 << 16])
            except BrokenPipeError:
                written = len(buffer)
            self.child["out_" + what] = buffer = buffer[written:]
            if not buffer:
                self.selector.unregister(key.fd)
                os.close(key.fd)

    def take_frames(self):
        while len(self.inbox) >= HEADER.size:
            length, kind = HEADER.unpack_from(self.inbox)
            if len(self.inbox) < HEADER.size + length:
                return
            data = self.inbox[HEADER.size:HEADER.size + length]
            self.inbox = self.inbox[HEADER.size + length:]
            if kind == ord("R") and self.spare is not None and self.child is None:
                self.child, self.spare = self.spare, None
                self.start_run(data)
            else:
                self.send("F", b"unexpected frame")
                os._exit(1)

    def start_run(self, data):
        (payload_length,) = struct.unpack_from(">I", data)
        child = self.child
        child["out_payload"] = data[4:4 + payload_length]
        child["out_stdin"] = data[4 + payload_length:]
        for name in ("payload", "stdin"):
            os.set_blocking(child[name], False)
            self.selector.register(child[name], selectors.EVENT_WRITE, name)
        for name in ("stdout", "stderr", "record", "status"):
            self.selector.register(child[name], selectors.EVENT_READ, name)
        self.by_status_pipe[child["status"]] = child
        self.pending = 3

    def end_run(self):
        child = self.child
        for name in ("payload", "stdin"):
            if child["out_" + name]:
                self.selector.unregister(child[name])
                os.close(child[name])
        self.ending.append(child)
        self.child = None
        self.send("D")
        self.flush_statuses()
        # The next run's process is forked and parked now, not while this one ran: on a busy host
        # forking, mounting and warming it up took CPU from the run (the other slots serve meanwhile).
        self.park()

    def flush_statuses(self):
        """X frames go out in the order of the runs, each after its D."""
        while self.ending and self.ending[0].get("done"):
            self.send("X", self.ending.pop(0).get("wait_status") or b"-1")


def zygote_main():
    config = json.loads(sys.argv[2])
    config["control_fd"] = int(sys.argv[1])
    # Thread pools of preloaded numeric libraries are sized when they load: to the default CPUs.
    threads = {name: str(config["threads"]) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update(threads)
    for module in config["preload"]:
        try:
            __import__(module)
        except ImportError as exc:
            print("pyexec zygote: cannot preload %s: %s" % (module, exc), file=sys.stderr)
    for name in threads:
        del os.environ[name]
    # Everything loaded so far stays out of the garbage collector's way: fewer pages copied per run.
    gc.collect()
    gc.freeze()
    zygote = Zygote(config)
    try:
        zygote.serve()
    except BaseException as exc:
        try:
            zygote.send("F", ("%s: %s" % (type(exc).__name__, exc)).encode(errors="replace"))
        finally:
            os._exit(1)


zygote_main()
