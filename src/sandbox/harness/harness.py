# The program nsjail starts inside every jail. It is passed to `python3 -c`, so nothing
# has to be mounted for it. Protocol, on the control descriptor (fd 4, a socket):
#   in:  one JSON object {"code", "env", "max_result_bytes", "cpu_seconds"}, then EOF
#   out: one JSON record {"kind": "return"|"exit"|"exception"|"result_too_large", ...}
# User output goes to fds 1 and 2 untouched, so printing can never forge a record.
#
# Start-up time is on every request's path: only built-in modules are imported up front
# (_json and _ast are the C halves of json and ast); traceback is imported on failure only.
import _ast
import _json
import atexit
import builtins
import math
import os
import sys

CONTROL_FD = 4
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


def read_payload():
    chunks = []
    while True:
        chunk = os.read(CONTROL_FD, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return _json.make_scanner(_ScanContext())(b"".join(chunks).decode(), 0)[0]


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
    return '{"kind":"exception","type":%s,"error":%s}' % (quote(type(exc).__name__), quote(error)), 1


def exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def run(payload):
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (payload["cpu_seconds"], payload["cpu_seconds"]))
    os.environ.update(payload.get("env") or {})
    sys.argv = [""]
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
        return '{"kind":"exit"}', exit_status(exc)
    except BaseException as exc:
        return report_exception(exc, 1)
    try:
        out = []
        encode(value, out)
        result = "".join(out)
    except BaseException as exc:
        return report_exception(exc, 1)
    if len(result) > payload["max_result_bytes"]:
        return '{"kind":"result_too_large","bytes":%d}' % len(result), 1
    return '{"kind":"return","result_json":%s}' % quote(result), 0


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


def write_record(record):
    data = record.encode()
    try:
        while data:
            data = data[os.write(CONTROL_FD, data):]
    except OSError:
        pass  # the program closed or replaced the descriptor: the caller sees no record


def harness():
    record, status = run(read_payload())
    finish()
    write_record(record)
    os._exit(status)


harness()
