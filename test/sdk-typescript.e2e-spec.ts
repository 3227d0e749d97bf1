import { createPyexecClient, ExecuteResult, ExecutionError, ExecutionTimeout, PyexecClient, RequestError } from '../sdk/typescript';
import { HELLO_REQUEST } from '../src/openapi/examples';
import { KEY, startTestApp, TestApp } from './support/test-app';

/**
 * The TypeScript SDK (openapi-fetch typed by openapi-typescript from openapi.json) against the
 * live server: answers are read through the client's own typed `data` and `error`.
 */
describe('TypeScript SDK (openapi-typescript + openapi-fetch)', () => {
  let t: TestApp;
  let pyexec: PyexecClient;
  beforeAll(async () => {
    t = await startTestApp('sdk-ts');
    pyexec = createPyexecClient(t.url, KEY);
  });
  afterAll(async () => {
    await t.close();
  });

  it("runs the seed's example (without its webhook): 200 Hello, World!", async () => {
    const { data, error, response } = await pyexec.POST('/v1/code/execute/python', { body: HELLO_REQUEST });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    const result = data as ExecuteResult;
    expect(result.stdout).toBe('Hello, World!\n');
    expect(result.result).toBeNull();
    expect(result.exit_code).toBe(0);
    expect(result.id).toBe('request-123');
    expect(typeof result.run_time).toBe('number');

    // The job it created, through the SDK's other operation.
    const job = await pyexec.GET('/v1/jobs/{job_id}', { params: { path: { job_id: result.job_id } } });
    expect(job.error).toBeUndefined();
    expect(job.response.status).toBe(200);
    expect(job.data).toMatchObject({ job_id: result.job_id, id: 'request-123', status: 'completed', code: 200 });
    expect(job.data?.response).toMatchObject({ stdout: 'Hello, World!\n' });
  });

  it('reads a return value', async () => {
    const { data, response } = await pyexec.POST('/v1/code/execute/python', {
      body: { code: 'import os\nreturn {"sum": 6 * 7, "lang": os.environ["LANG_CHOICE"], "line": input()}', stdin: 'Ada\n', env: [{ name: 'LANG_CHOICE', value: 'fr' }] },
    });
    expect(response.status).toBe(200);
    expect((data as ExecuteResult).result).toEqual({ sum: 42, lang: 'fr', line: 'Ada' });
  });

  it('reads a 400 for bad input as a typed RequestError', async () => {
    const { data, error, response } = await pyexec.POST('/v1/code/execute/python', { body: { code: 'print(1)', timeout: 301 } });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    const refused = error as RequestError;
    expect(refused.error).toMatch(/^Invalid request: /);
    expect(refused.details).toContain('timeout must not be greater than 300');
  });

  it('reads a 400 for code that raised as a typed ExecutionError', async () => {
    const { error, response } = await pyexec.POST('/v1/code/execute/python', { body: { code: 'raise ValueError("boom")' } });
    expect(response.status).toBe(400);
    const failed = error as ExecutionError;
    expect(failed.error).toBe('ValueError: boom');
    expect(failed.exit_code).toBe(1);
    expect(failed.stderr).toContain('ValueError: boom');
  });

  it('reads a 408 for an endless loop as a typed ExecutionTimeout', async () => {
    const { data, error, response } = await pyexec.POST('/v1/code/execute/python', {
      body: { code: 'print("started", flush=True)\nwhile True:\n    pass', timeout: 1 },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(408);
    const timedOut = error as ExecutionTimeout;
    expect(timedOut.error).toBe('Execution timed out after 1 seconds');
    expect(timedOut.stdout).toBe('started\n');
  });

  it('reads a 401 without a valid key', async () => {
    const stranger = createPyexecClient(t.url, 'not-a-key');
    const { error, response } = await stranger.POST('/v1/code/execute/python', { body: HELLO_REQUEST });
    expect(response.status).toBe(401);
    expect(error?.error).toBe('Invalid API key');
  });

  it('uploads a file, gets one back, and reads the runtime', async () => {
    const runtime = await pyexec.GET('/v1/runtime');
    expect(runtime.response.status).toBe(200);
    expect(runtime.data?.packages.map((p) => p.name)).toContain('pandas');
    const { data, response } = await pyexec.POST('/v1/code/execute/python', {
      body: {
        code: 'import pandas as pd\nt = pd.read_csv("in.csv")["n"].sum()\nopen("out.txt", "w").write(str(t))\nreturn int(t)',
        timeout: 60,
        files: [{ path: 'in.csv', content: Buffer.from('n\n1\n2\n').toString('base64') }],
        limits: { memory_mb: runtime.data!.limits.maximum.memory_mb },
      },
    });
    expect(response.status).toBe(200);
    const result = data as ExecuteResult;
    expect(result.result).toBe(3);
    expect(result.files.map((f) => [f.path, f.mime_type, Buffer.from(f.content, 'base64').toString()])).toEqual([['out.txt', 'text/plain', '3']]);
  });
});
