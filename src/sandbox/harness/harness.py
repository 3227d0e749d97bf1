# The harness: what runs the user's code, in a one-shot jail (`harness(control_fd)`, appended
# by the runner) or in a child of the fork server (zygote.py, appended after this file). It is
# passed to `python3 -c`, so nothing has to be mounted for it. Protocol, on the control
# descriptor (a socket or pipes; its number is CONTROL_FD in nsjail-args.ts):
#   in:  one JSON object, then EOF: {"code", "env", "files": [[path, base64]], "limits":
#        {"result_bytes", "cpu_seconds", "address_space_bytes", "processes", "threads",
#        "output_files", "output_files_bytes"}, "matplotlib_cache"}
#   out: one JSON record {"kind": "return"|"exit"|"exception"|"result_too_large", ...,
#        "files": [[path, base64]], "files_limit"?: name of the output-file cap passed}
# User output goes to fds 1 and 2 untouched, so printing can never forge a record.
#
# Start-up time is on every request's path: only built-in modules are imported up front
# (_json and _ast are the C halves of json and ast); traceback is imported on failure only.
import _ast
import _json
import atexit
import binascii
import builtins
import math
import os
import stat
import sys

FILENAME = "<code>"
ENTRY = "<module>"
MAX_DEPTH = 64
CO_GENERATOR_FLAGS = 0x20 | 0x200  # CO_GENERATOR | CO_ASYNC_GENERATOR
quote = _json.encode_basestring_ascii


class _ScanContext:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = None
    memo = {}


def read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_payload(fd):
    return _json.make_scanner(_ScanContext())(read_all(fd).decode(), 0)[0]


def import_star(namespace, module, level):
    # `from m import *` is only legal at module level; the wrapper function needs a stand-in.
    mod = __import__(module or "", namespace, None, ["*"], level)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in mod.__dict__ if not n.startswith("_")]
    for name in names:
        namespace[name] = getattr(mod, name)


def fill_locations(node, lineno, col):
    """ast.fix_missing_locations without importing ast."""
    if "lineno" in node._attributes:
        if getattr(node, "lineno", None) is None:
            node.lineno, node.col_offset = lineno, col
            node.end_lineno, node.end_col_offset = lineno, col
        lineno, col = node.lineno, node.col_offset
    for field in node._fields:
        value = getattr(node, field, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, _ast.AST):
                fill_locations(child, lineno, col)


def build_program(source):
    """Wraps the module body in a function so that a top-level `return` sets the result.

    Done on the AST, so multi-line strings and line numbers stay exactly as written."""
    tree = compile(source, FILENAME, "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)
    hoisted, body = [], []
    for node in tree.body:
        if isinstance(node, _ast.ImportFrom) and node.module == "__future__":
            hoisted.append(node)
        elif isinstance(node, _ast.ImportFrom) and any(a.name == "*" for a in node.names):
            call = _ast.Call(
                func=_ast.Name(id="__pyexec_import_star__", ctx=_ast.Load()),
                args=[
                    _ast.Call(func=_ast.Name(id="globals", ctx=_ast.Load()), args=[], keywords=[]),
                    _ast.Constant(node.module),
                    _ast.Constant(node.level),
                ],
                keywords=[],
            )
            expr = _ast.Expr(call, lineno=node.lineno, col_offset=node.col_offset)
            body.append(expr)
        else:
            body.append(node)
    func = _ast.FunctionDef(
        name=ENTRY,
        args=_ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                            kw_defaults=[], kwarg=None, defaults=[]),
        body=body or [_ast.Pass()],
        decorator_list=[],
        returns=None,
        lineno=1,
        col_offset=0,
    )
    if sys.version_info >= (3, 12):
        func.type_params = []
    module = _ast.Module(body=hoisted + [func], type_ignores=[])
    fill_locations(module, 1, 0)
    code, entry = compile_entry(module)
    if entry.co_flags & CO_GENERATOR_FLAGS:
        raise SyntaxError("'yield' outside function", (FILENAME, 1, 1, None))
    # Names the code binds at top level are declared global, as they would be in a module:
    # functions and classes then have plain qualified names (picklable, so multiprocessing
    # works) and the program sees module semantics, plus `return`.
    local_names = list(dict.fromkeys(entry.co_varnames + entry.co_cellvars))
    if local_names:
        func.body.insert(0, _ast.Global(names=local_names, lineno=1, col_offset=0, end_lineno=1, end_col_offset=0))
        code, entry = compile_entry(module)
    return code


def compile_entry(module):
    code = compile(module, FILENAME, "exec", dont_inherit=True)
    return code, next(c for c in code.co_consts if isinstance(c, type(code)) and c.co_name == ENTRY)


def encode(value, out, depth=0):
    """JSON of the return value: NaN/Infinity become null, anything else JSON cannot hold its str()."""
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(quote(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(float.__repr__(value) if math.isfinite(value) else "null")
    elif depth < MAX_DEPTH and isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            encode(item, out, depth + 1)
        out.append("]")
    elif depth < MAX_DEPTH and isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(quote(json_key(key)))
            out.append(":")
            encode(item, out, depth + 1)
        out.append("}")
    else:
        out.append(quote(str(value)))


def json_key(key):
    if isinstance(key, str):
        return key
    if key is None or key is True or key is False:
        return {None: "null", True: "true", False: "false"}[key]
    if isinstance(key, (int, float)):
        out = []
        encode(key, out)
        return out[0]
    return str(key)


def report_exception(exc, skip_frames):
    import traceback

    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None:
            tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    error = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return '{"kind":"exception","type":%s,"error":%s' % (quote(type(exc).__name__), quote(error)), 1


def exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def check_relative(path):
    """The rules of the API for a file path, checked again here (defence in depth)."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\0" in path or any(p in ("", ".", "..") for p in parts):
        raise ValueError("invalid file path %r" % path)
    return parts


def write_inputs(files):
    """Writes the request's files into the working directory; returns {path: bytes}."""
    written = {}
    for path, content in files:
        parts = check_relative(path)
        data = binascii.a2b_base64(content)
        dir_fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in parts[:-1]:
                try:
                    os.mkdir(part, 0o755, dir_fd=dir_fd)
                except FileExistsError:
                    pass
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                os.close(dir_fd)
                dir_fd = inner
            fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        finally:
            os.close(dir_fd)
        written[path] = data
    return written


class FilesLimit(Exception):
    pass


def read_regular(name, dir_fd, room):
    """The bytes of a regular file, never through a symlink; None for anything else."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > room:
                raise FilesLimit("output_files_bytes")
            chunks.append(chunk)
    finally:
        os.close(fd)


def collect_outputs(inputs, figures, limits):
    """Every regular file created or changed under the working directory, then the figures,
    as [(path, bytes)] in path order. Directories are walked by descriptor, never through a
    symlink, so nothing outside the working directory can be reached."""
    max_files, room = limits["output_files"], limits["output_files_bytes"]
    found = []
    pending = [(os.open(".", os.O_RDONLY | os.O_DIRECTORY), "")]
    while pending:
        dir_fd, prefix = pending.pop()
        try:
            for name in sorted(os.listdir(dir_fd), reverse=True):
                path = prefix + name
                try:
                    mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
                except OSError:
                    continue
                if stat.S_ISDIR(mode):
                    try:
                        pending.append((os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd), path + "/"))
                    except OSError:
                        pass
                    continue
                if not stat.S_ISREG(mode):
                    continue
                data = read_regular(name, dir_fd, room)
                if data is None or inputs.get(path) == data:
                    continue
                found.append((path, data))
                room -= len(data)
                if len(found) > max_files:
                    raise FilesLimit("output_files")
        finally:
            os.close(dir_fd)
    found.sort()
    taken = {path for path, _ in found}
    number = 0
    for data in figures:
        number += 1
        while "figure-%d.png" % number in taken:
            number += 1
        if len(data) > room:
            raise FilesLimit("output_files_bytes")
        room -= len(data)
        found.append(("figure-%d.png" % number, data))
        if len(found) > max_files:
            raise FilesLimit("output_files")
    return found


# Figures: matplotlib gets a backend of the harness's (Agg underneath) whose show() keeps every
# open figure as a PNG; figures still open at the end are kept too (save_open_figures).
FIGURES = []


def save_open_figures():
    if "matplotlib.pyplot" not in sys.modules:
        return
    import io
    from matplotlib._pylab_helpers import Gcf

    for manager in Gcf.get_all_fig_managers():
        buffer = io.BytesIO()
        try:
            manager.canvas.figure.savefig(buffer, format="png")
        except Exception as exc:
            print("pyexec: figure %s could not be saved: %s" % (manager.num, exc), file=sys.stderr)
            continue
        FIGURES.append(buffer.getvalue())
    Gcf.destroy_all()


def figures_backend():
    backend = type(sys)("pyexec_figures")

    def show(*args, **kwargs):
        save_open_figures()

    def attribute(name):
        # Resolved on first use (matplotlib is importing then) and kept as real attributes:
        # matplotlib copies the backend module's variables.
        if name not in ("FigureCanvas", "FigureManager"):
            raise AttributeError(name)
        from matplotlib.backend_bases import FigureManagerBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        backend.FigureCanvas, backend.FigureManager = FigureCanvasAgg, FigureManagerBase
        return getattr(backend, name)

    backend.show = show
    backend.__getattr__ = attribute
    return backend


class FirstImport:
    """Runs an action before the first import of a module, and nothing else: the runtime's
    settings cost nothing to a program that does not use the module."""

    def __init__(self, actions):
        self.actions = actions

    def find_spec(self, name, path=None, target=None):
        action = self.actions.pop(name, None)
        if action is not None:
            action()
        return None


def runtime_hooks(payload):
    threads = str(payload["limits"]["threads"])
    cache = payload.get("matplotlib_cache")

    def numeric():
        # Thread pools of BLAS and OpenMP sized to the run's CPUs, not to the host's cores.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, threads)

    def plotting():
        sys.modules["pyexec_figures"] = figures_backend()
        os.environ.setdefault("MPLBACKEND", "module://pyexec_figures")
        config = os.path.join(os.environ.get("HOME", "/tmp"), ".matplotlib")
        try:
            os.makedirs(config, exist_ok=True)
            if cache:
                for name in os.listdir(cache):
                    os.symlink(os.path.join(cache, name), os.path.join(config, name))
        except OSError:
            pass
        os.environ.setdefault("MPLCONFIGDIR", config)
        preloaded = sys.modules.get("matplotlib")
        if preloaded is not None:
            preloaded.rcParams["backend"] = os.environ["MPLBACKEND"]

    # Whichever loads a BLAS or OpenMP library first (numpy may be preloaded by the fork server,
    # whose thread pools are sized already).
    actions = {name: numeric for name in ("numpy", "scipy", "sklearn") if name not in sys.modules}
    actions["matplotlib"] = plotting
    if "matplotlib" in sys.modules:  # preloaded: its settings apply now
        actions.pop("matplotlib")()
    return FirstImport(actions)


def start_egress_forwarder(socket_path, port):
    """For a run with network: a loopback listener (HTTP_PROXY points here) relaying each connection
    to the service's egress proxy over the mounted Unix socket. The run's own code could stop it;
    that only takes its own network away."""
    import socket
    import threading

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)

    def relay(source, target):
        try:
            while True:
                data = source.recv(1 << 16)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def serve():
        while True:
            try:
                client, _ = server.accept()
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(socket_path)
            except OSError:
                continue
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=relay, args=(source, target), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()


def run(payload):
    import resource

    limits = payload["limits"]
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"]))
    if limits.get("address_space_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (limits["address_space_bytes"], limits["address_space_bytes"]))
    if limits.get("processes"):
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    os.environ.update(payload.get("env") or {})
    egress = payload.get("egress")
    if egress:
        start_egress_forwarder(egress["socket"], egress["port"])
    sys.argv = [""]
    # Like `python script.py`: modules uploaded next to the program can be imported.
    sys.path.insert(0, os.getcwd())
    sys.meta_path.insert(0, runtime_hooks(payload))
    main = type(sys)("__main__")
    main.__dict__["__builtins__"] = builtins
    main.__dict__["__pyexec_import_star__"] = import_star
    sys.modules["__main__"] = main
    try:
        exec(build_program(payload["code"]), main.__dict__)
    except BaseException as exc:  # SyntaxError, null bytes, too deep nesting
        return report_exception(exc, 99)
    entry = main.__dict__.pop(ENTRY)
    try:
        value = entry()
    except SystemExit as exc:
        return '{"kind":"exit"', exit_status(exc)
    except BaseException as exc:
        return report_exception(exc, 1)
    try:
        out = []
        encode(value, out)
        result = "".join(out)
    except BaseException as exc:
        return report_exception(exc, 1)
    if len(result) > limits["result_bytes"]:
        return '{"kind":"result_too_large","bytes":%d' % len(result), 1
    # The encoder writes ASCII-only JSON: it goes into the record as it is, not escaped again.
    return '{"kind":"return","result":%s' % result, 0


def finish():
    """What the interpreter does at exit, minus its teardown: wait for threads, run atexit."""
    threading = sys.modules.get("threading")
    try:
        if threading is not None:
            threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def keep_open_figures():
    """Before atexit runs: matplotlib closes every figure there."""
    try:
        save_open_figures()
    except BaseException as exc:
        print("pyexec: figures could not be saved: %r" % exc, file=sys.stderr)


def outputs_part(inputs, limits):
    """The record's files: the working directory's new and changed files, and the figures."""
    try:
        found = collect_outputs(inputs, FIGURES, limits)
    except FilesLimit as exc:
        return ',"files":[],"files_limit":"%s"}' % exc.args[0]
    return ',"files":[%s]}' % ",".join(
        "[%s,\"%s\"]" % (quote(path), binascii.b2a_base64(data, newline=False).decode()) for path, data in found
    )


def write_record(fd, record):
    data = record.encode()
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass  # the program closed or replaced the descriptor: the caller sees no record


def harness(payload_fd, record_fd=None):
    """Reads the payload, runs it, writes the record, and exits without the interpreter's teardown."""
    record_fd = payload_fd if record_fd is None else record_fd
    payload = read_payload(payload_fd)
    try:
        inputs = write_inputs(payload.get("files") or [])
    except BaseException as exc:
        error = "Could not write the input files: %s" % exc
        write_record(record_fd, '{"kind":"exception","type":"InputFilesError","error":%s,"files":[]}' % quote(error))
        os._exit(1)
    record, status = run(payload)
    keep_open_figures()
    finish()
    # The status it exits with goes in the record too: a fork server answers without waiting for
    # the run's namespaces to be torn down (a signal or a missing record still waits for them).
    write_record(record_fd, record + (',"status":%d' % status) + outputs_part(inputs, payload["limits"]))
    # Output is complete now, not once the address space is torn down (ms for a large one).
    for fd in {0, 1, 2, payload_fd, record_fd}:
        try:
            os.close(fd)
        except OSError:
            pass
    os._exit(status)
