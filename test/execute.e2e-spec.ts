import { startTestApp, TestApp } from './support/test-app';

/** The synchronous contract of POST /v1/code/execute/python, against real Redis and nsjail. */
describe('POST /v1/code/execute/python (synchronous)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('execute');
  });
  afterAll(async () => {
    await t.close();
  });

  it("runs the seed's example", async () => {
    const res = await t.execute({ code: "print('Hello, World!')", timeout: 10, id: 'request-123' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: null, stdout: 'Hello, World!\n', stderr: '', exit_code: 0, id: 'request-123' });
    expect(res.body.job_id).toMatch(/^[0-9a-f-]{36}$/);
    for (const time of ['run_time', 'queue_time', 'total_time']) {
      expect(typeof res.body[time]).toBe('number');
      expect(Number(res.body[time].toFixed(3))).toBe(res.body[time]);
    }
    expect(res.body.total_time).toBeGreaterThanOrEqual(res.body.run_time);
    // Answers are not cacheable: no ETag is computed for them.
    expect(res.headers.etag).toBeUndefined();
  });

  it.each([
    ['a dict', 'return {"a": 1, "b": [1, 2.5, None, True]}', { a: 1, b: [1, 2.5, null, true] }],
    ['a list', 'return [1, "two", [3]]', [1, 'two', [3]]],
    ['None', 'return None', null],
    ['no return', 'x = 1', null],
    ['a set (not JSON)', 'return {3}', '{3}'],
    ['an object (not JSON)', 'class P:\n    def __str__(self): return "P!"\nreturn P()', 'P!'],
    ['NaN and infinities', 'return [float("nan"), float("inf"), -float("inf")]', [null, null, null]],
    ['a tuple and non-str keys', 'return {1: (1, 2), None: "n"}', { '1': [1, 2], null: 'n' }],
    ['a return inside a block', 'for i in range(10):\n    if i == 3:\n        return i', 3],
  ])('returns %s', async (_name, code, expected) => {
    const res = await t.execute({ code });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual(expected);
  });

  it('keeps multi-line strings with lines at column 0 intact', async () => {
    const code = 'text = """first\nsecond\n  third\n"""\nprint(text, end="")\nreturn text';
    const res = await t.execute({ code });
    expect(res.status).toBe(200);
    expect(res.body.result).toBe('first\nsecond\n  third\n');
    expect(res.body.stdout).toBe('first\nsecond\n  third\n');
  });

  it('keeps functions, closures, globals and __name__ working', async () => {
    const code = [
      'from math import *',
      'total = 0',
      'def add(n):',
      '    return total + n + floor(pi)',
      'if __name__ == "__main__":',
      '    print("main")',
      'return add(1)',
    ].join('\n');
    const res = await t.execute({ code });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: 4, stdout: 'main\n' });
  });

  it('gives top-level code module semantics: globals, `global`, picklable functions and classes', async () => {
    const code = [
      'import pickle',
      'counter = 0',
      'def bump():',
      '    global counter',
      '    counter += 1',
      'class Point:',
      '    pass',
      'bump()',
      'bump()',
      'return [counter, pickle.loads(pickle.dumps(bump)).__qualname__, type(pickle.loads(pickle.dumps(Point()))).__name__, "counter" in globals()]',
    ].join('\n');
    const res = await t.execute({ code });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([2, 'bump', 'Point', true]);
  });

  it('answers an exception with 400 and the last traceback line, with true line numbers', async () => {
    const res = await t.execute({ code: 'print("before")\n\nraise ValueError("boom")' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'ValueError: boom', stdout: 'before\n', exit_code: 1 });
    expect(res.body.stderr).toContain('File "<code>", line 3, in <module>');
    expect(res.body.stderr).not.toContain('harness');
  });

  it('answers a syntax error with 400', async () => {
    const res = await t.execute({ code: 'def broken(:\n    pass' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^SyntaxError: /);
    expect(res.body.exit_code).toBe(1);
  });

  it('treats sys.exit(0) as success and sys.exit(3) as a failure with exit_code 3', async () => {
    const ok = await t.execute({ code: 'import sys\nprint("bye")\nsys.exit(0)' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ result: null, stdout: 'bye\n', exit_code: 0 });
    const failed = await t.execute({ code: 'import sys\nsys.exit(3)' });
    expect(failed.status).toBe(400);
    expect(failed.body).toMatchObject({ exit_code: 3, error: 'Process exited with code 3' });
  });

  it('answers os._exit(0) without a result record with 500', async () => {
    const res = await t.execute({ code: 'import os\nprint("x", flush=True)\nos._exit(0)' });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: 'Failed to parse execution result', stdout: 'x\n', exit_code: 0 });
  });

  it('names the signal that killed the program', async () => {
    const res = await t.execute({ code: 'import ctypes\nctypes.string_at(0)' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'Process killed by SIGSEGV', exit_code: 139 });
  });

  it('fails input() at once when no stdin is given', async () => {
    const started = Date.now();
    const res = await t.execute({ code: 'name = input()', timeout: 20 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('EOFError: EOF when reading a line');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives the program its stdin and env', async () => {
    const res = await t.execute({
      code: 'import os, sys\nname = input()\nrest = sys.stdin.read()\nreturn [name, rest, os.environ["GREETING"], os.environ["HOME"]]',
      stdin: 'Ada\nline 2\n',
      env: [{ name: 'GREETING', value: 'hello world' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual(['Ada', 'line 2\n', 'hello world', '/tmp']);
  });

  it('answers an endless loop with 408, the seed message and the output so far', async () => {
    const res = await t.execute({ code: 'import sys\nprint("started")\nsys.stderr.write("err\\n")\nwhile True:\n    pass', timeout: 1 });
    expect(res.status).toBe(408);
    expect(res.body).toMatchObject({ error: 'Execution timed out after 1 seconds', stdout: 'started\n', stderr: 'err\n' });
  });

  it('replaces invalid UTF-8 output with U+FFFD', async () => {
    const res = await t.execute({ code: 'import os\nos.write(1, b"ok \\xff\\xfe end")' });
    expect(res.status).toBe(200);
    expect(res.body.stdout).toBe('ok \uFFFD\uFFFD end');
  });

  it('stops a program whose output passes MAX_OUTPUT_BYTES and keeps what came before', async () => {
    const res = await t.execute({ code: 'print("head")\nwhile True:\n    print("x" * 1000)', timeout: 20 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Output limit of 1048576 bytes exceeded on stdout');
    expect(res.body.stdout.startsWith('head\n')).toBe(true);
    // Kept up to the cap as the answer holds it: JSON bytes, each newline 2 (\n), quotes excluded.
    const kept = Buffer.byteLength(JSON.stringify(res.body.stdout)) - 2;
    expect(kept).toBeLessThanOrEqual(1_048_576);
    expect(kept).toBeGreaterThan(1_048_576 - 2);
  });

  it.each([
    ['backslashes', 'return "\\\\" * 400000', 400000],
    ['control characters', 'return "\\x01" * 100000', 100000],
  ])('answers a return value of %s under the limit with 200, however long its JSON escaping', async (_name, code, length) => {
    const res = await t.execute({ code });
    expect(res.status).toBe(200);
    expect(res.body.result.length).toBe(length);
  });

  it('echoes no id when none was given', async () => {
    const res = await t.execute({ code: 'return 1' });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('id');
  });
});
