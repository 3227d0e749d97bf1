# The program nsjail starts inside every jail. It is passed to `python3 -c`, so nothing
# has to be mounted for it. Protocol, on the control descriptor (fd 4, a socket):
#   in:  one JSON object {"code", "env", "max_result_bytes"}, then EOF
#   out: one JSON record {"kind": "return"|"exit"|"exception", ...}
# User output goes to fds 1 and 2 untouched, so printing can never forge a record.
import ast
import atexit
import builtins
import json
import math
import os
import sys
import traceback
import types

CONTROL_FD = 4
FILENAME = "<code>"
ENTRY = "<module>"
MAX_DEPTH = 64


def read_payload():
    chunks = []
    while True:
        chunk = os.read(CONTROL_FD, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return json.loads(b"".join(chunks))


def import_star(namespace, module, level):
    # `from m import *` is only legal at module level; the wrapper function needs a stand-in.
    mod = __import__(module or "", namespace, None, ["*"], level)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in mod.__dict__ if not n.startswith("_")]
    for name in names:
        namespace[name] = getattr(mod, name)


def build_program(source):
    """Wraps the module body in a function so that a top-level `return` sets the result.

    Done on the AST, so multi-line strings and line numbers stay exactly as written."""
    tree = ast.parse(source, filename=FILENAME)
    hoisted, body = [], []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            hoisted.append(node)
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            call = ast.Call(
                func=ast.Name(id="__pyexec_import_star__", ctx=ast.Load()),
                args=[
                    ast.Call(func=ast.Name(id="globals", ctx=ast.Load()), args=[], keywords=[]),
                    ast.Constant(node.module),
                    ast.Constant(node.level),
                ],
                keywords=[],
            )
            body.append(ast.copy_location(ast.Expr(call), node))
        else:
            body.append(node)
    func = ast.FunctionDef(
        name=ENTRY,
        args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                           kw_defaults=[], kwarg=None, defaults=[]),
        body=body or [ast.Pass()],
        decorator_list=[],
        returns=None,
        lineno=1,
        col_offset=0,
    )
    if sys.version_info >= (3, 12):
        func.type_params = []
    module = ast.Module(body=hoisted + [func], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, FILENAME, "exec", dont_inherit=True)
    entry = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == ENTRY)
    if entry.co_flags & (0x20 | 0x200):  # CO_GENERATOR | CO_ASYNC_GENERATOR
        raise SyntaxError("'yield' outside function", (FILENAME, 1, 1, None))
    return code


def to_json(value, depth=0):
    """JSON-safe copy: NaN/Infinity become null, anything else JSON cannot hold its str()."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if depth < MAX_DEPTH and isinstance(value, (list, tuple)):
        return [to_json(item, depth + 1) for item in value]
    if depth < MAX_DEPTH and isinstance(value, dict):
        return {json_key(k): to_json(v, depth + 1) for k, v in value.items()}
    return str(value)


def json_key(key):
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    return str(key)


def last_line(exc):
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def report_exception(exc, skip_frames):
    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None:
            tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    return {"kind": "exception", "type": type(exc).__name__, "error": last_line(exc)}


def exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def run(payload):
    os.environ.update(payload.get("env") or {})
    sys.argv = [""]
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    main.__dict__["__pyexec_import_star__"] = import_star
    sys.modules["__main__"] = main
    try:
        exec(build_program(payload["code"]), main.__dict__)
    except BaseException as exc:  # SyntaxError, null bytes, too deep nesting
        return report_exception(exc, 99), 1
    entry = main.__dict__.pop(ENTRY)
    try:
        value = entry()
    except SystemExit as exc:
        return {"kind": "exit"}, exit_status(exc)
    except BaseException as exc:
        return report_exception(exc, 1), 1
    try:
        result = json.dumps(to_json(value), allow_nan=False)
    except BaseException as exc:
        return report_exception(exc, 1), 1
    if len(result) > payload["max_result_bytes"]:
        return {"kind": "result_too_large", "bytes": len(result)}, 1
    return {"kind": "return", "result_json": result}, 0


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
    data = json.dumps(record).encode()
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
