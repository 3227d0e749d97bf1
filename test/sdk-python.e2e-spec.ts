import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEY, startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
/** The venv scripts/generate-sdks.sh makes: openapi-python-client and the client's runtime (httpx, attrs). */
const PYTHON = join(ROOT, '.tools', 'sdk-venv', 'bin', 'python');
const CHECKS = join(__dirname, 'sdk', 'python_client_check.py');
const run = promisify(execFile);

/**
 * The Python SDK (openapi-python-client, sdk/python) against the live server. Each case runs
 * test/sdk/python_client_check.py, which reads the answers through the client's typed objects.
 * Asynchronous child processes: the server answers from this same event loop.
 */
describe('Python SDK (openapi-python-client)', () => {
  let t: TestApp;
  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/generate-sdks.sh`);
    t = await startTestApp('sdk-py');
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ["the seed's example (without its webhook): 200 Hello, World!, and its job", 'hello'],
    ['a return value', 'return_value'],
    ['a 400 for bad input (RequestError)', 'bad_input'],
    ['a 400 for code that raised (ExecutionError)', 'exception'],
    ['a 408 for an endless loop (ExecutionTimeout)', 'timeout'],
    ['a file in and out with limits, and the runtime (Runtime)', 'files_and_runtime'],
  ])('%s', async (_name, check) => {
    const { stdout } = await run(PYTHON, [CHECKS, check], {
      env: { PATH: process.env.PATH, PYTHONPATH: join(ROOT, 'sdk', 'python'), PYEXEC_URL: t.url, PYEXEC_API_KEY: KEY },
      timeout: 30_000,
    }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`${check} failed:\n${error.stderr ?? error.message}`);
    });
    expect(stdout.trim()).toBe(`ok ${check}`);
  });
});
