import { RunOutcome } from '../sandbox/python-runner';
import { answerOf } from './answer';
import { answerBound, jsonBytes } from './answer-size';

const limits = { timeoutSeconds: 10, maxOutputFiles: 2, maxOutputFilesBytes: 100 };
const runLimits = { memoryMb: 256, maxProcesses: 64, cpus: 1, maxOutputBytes: 1024 };
const ended = (over: Partial<RunOutcome>): RunOutcome => ({
  termination: 'exited', limits: runLimits, exitCode: 0, signal: null, stdout: 'out', stderr: 'err', record: null, runTimeMs: 5, ...over,
});

describe('answerOf', () => {
  it('answers a returned value with 200', () => {
    expect(answerOf(ended({ record: { kind: 'return', result: 7, files: [] } }), limits)).toEqual({
      status: 200, kind: 'ok', body: { result: 7, stdout: 'out', stderr: 'err', exit_code: 0, files: [] },
    });
  });
  it('answers exit 0 without a record with 500', () => {
    expect(answerOf(ended({}), limits)).toMatchObject({ status: 500, body: { error: 'Failed to parse execution result', exit_code: 0 } });
  });
  it('names MemoryError and an OOM kill, a child\'s included, as the memory limit', () => {
    const memoryError = ended({ exitCode: 1, record: { kind: 'exception', type: 'MemoryError', error: 'MemoryError', files: [] } });
    expect(answerOf(memoryError, limits).body.error).toBe('Memory limit of 256 MiB exceeded');
    expect(answerOf(ended({ exitCode: null, signal: 9, oomKilled: true }), limits)).toMatchObject({
      status: 400, body: { error: 'Memory limit of 256 MiB exceeded', exit_code: 137 },
    });
    const childKilled = ended({ exitCode: 0, oomKilled: true, record: { kind: 'return', result: 1, files: [] } });
    expect(answerOf(childKilled, limits)).toMatchObject({ status: 400, body: { error: 'Memory limit of 256 MiB exceeded' } });
  });
  it('names a seccomp kill as a forbidden operation', () => {
    expect(answerOf(ended({ exitCode: null, signal: 31, forbiddenOperation: true }), limits)).toMatchObject({
      status: 400, body: { error: expect.stringMatching(/^Forbidden operation attempted/), exit_code: 159 },
    });
  });
  it('names the process limit when it refused a fork and the run failed', () => {
    const failed = ended({ exitCode: 1, pidsLimitHit: true, record: { kind: 'exception', type: 'RuntimeError', error: "RuntimeError: can't start new thread", files: [] } });
    expect(answerOf(failed, limits).body.error).toBe('Process limit of 64 exceeded');
    const coped = ended({ exitCode: 0, pidsLimitHit: true, record: { kind: 'return', result: 1, files: [] } });
    expect(answerOf(coped, limits).status).toBe(200);
  });
  it('names other signals', () => {
    expect(answerOf(ended({ exitCode: null, signal: 11 }), limits).body.error).toBe('Process killed by SIGSEGV');
  });
  it('answers a timeout with 408 and the output so far', () => {
    expect(answerOf(ended({ termination: 'timeout', exitCode: null }), limits)).toEqual({
      status: 408, kind: 'timeout', body: { error: 'Execution timed out after 10 seconds', stdout: 'out', stderr: 'err' },
    });
  });
  it('answers a sandbox failure with a bare 500', () => {
    expect(answerOf(ended({ termination: 'sandbox_error', sandboxError: 'mount failed' }), limits)).toEqual({
      status: 500, kind: 'sandbox_error', body: { error: 'The sandbox failed to run the program' },
    });
  });
  it('describes the files a run left, and names the output-file cap it passed', () => {
    const files = [{ path: 'out/chart.png', content: 'iVBORw==' }, { path: 'notes', content: '' }];
    expect(answerOf(ended({ record: { kind: 'return', result: 1, files } }), limits).body.files).toEqual([
      { path: 'out/chart.png', size: 4, mime_type: 'image/png', content: 'iVBORw==' },
      { path: 'notes', size: 0, mime_type: 'application/octet-stream', content: '' },
    ]);
    expect(answerOf(ended({ record: { kind: 'return', result: 1, files: [], filesLimit: 'output_files' } }), limits)).toMatchObject({
      status: 400, kind: 'limit', body: { error: 'Output files limit of 2 files exceeded (MAX_OUTPUT_FILES)', stdout: 'out', files: [] },
    });
    expect(answerOf(ended({ record: { kind: 'exit', files: [], filesLimit: 'output_files_bytes' } }), limits).body.error).toBe(
      'Output files limit of 100 bytes exceeded (MAX_OUTPUT_FILES_BYTES)',
    );
  });
  it('names the limits the run was held to, its own when it asked for them', () => {
    const own = { ...runLimits, memoryMb: 900, maxProcesses: 7 };
    expect(answerOf(ended({ limits: own, exitCode: null, signal: 9, oomKilled: true }), limits).body.error).toBe('Memory limit of 900 MiB exceeded');
    expect(answerOf(ended({ limits: own, exitCode: 1, pidsLimitHit: true }), limits).body.error).toBe('Process limit of 7 exceeded');
  });
  describe('caps in JSON bytes, as the answer holds them', () => {
    const controls = '\x01'.repeat(1024);
    it('answers a stream whose JSON passes the cap with the output limit, cut to the cap', () => {
      const answer = answerOf(ended({ stdout: controls, stderr: 'fine', record: { kind: 'return', result: 1, files: [] } }), limits);
      expect(answer).toMatchObject({ status: 400, kind: 'limit', body: { error: 'Output limit of 1024 bytes exceeded on stdout', stderr: 'fine', exit_code: null, files: [] } });
      expect(answer.body.stdout).toBe('\x01'.repeat(170));
    });
    it('cuts both streams of a run the sandbox stopped at the output limit, and of a timeout', () => {
      const stopped = answerOf(ended({ termination: 'output_limit', outputLimitStream: 'stderr', exitCode: null, stdout: controls, stderr: controls }), limits);
      expect(stopped.body).toMatchObject({ error: 'Output limit of 1024 bytes exceeded on stderr', stdout: '\x01'.repeat(170), stderr: '\x01'.repeat(170) });
      const timedOut = answerOf(ended({ termination: 'timeout', exitCode: null, stderr: controls }), limits);
      expect(timedOut).toMatchObject({ status: 400, kind: 'limit', body: { error: 'Output limit of 1024 bytes exceeded on stderr' } });
    });
    it('answers a return value whose JSON grows past the cap as too large, as the harness does (exit 1)', () => {
      const result = Array.from({ length: 60 }, () => 1e20);
      expect(answerOf(ended({ record: { kind: 'return', result, files: [] } }), limits)).toMatchObject({
        status: 400, kind: 'error', body: { error: `Return value of ${jsonBytes(result)} bytes exceeds the limit of 1024 bytes`, exit_code: 1, files: [] },
      });
    });
    it('cuts an exception message to the cap and says so', () => {
      const error = `ValueError: ${'\\'.repeat(2000)}`;
      const answer = answerOf(ended({ exitCode: 1, record: { kind: 'exception', type: 'ValueError', error, files: [] } }), limits);
      expect(answer.body.error).toMatch(/^ValueError: \\+ \[truncated\]$/);
      expect(jsonBytes(answer.body.error) - 2).toBeLessThanOrEqual(1024);
    });
    it('answers files whose JSON passes the bound with the files limit', () => {
      const files = [{ path: '\x01'.repeat(400), content: '' }, { path: 'b', content: '' }];
      expect(answerOf(ended({ record: { kind: 'exit', files } }), limits)).toMatchObject({
        status: 400, kind: 'limit', body: { error: 'Output files limit of 100 bytes exceeded (MAX_OUTPUT_FILES_BYTES)', files: [] },
      });
    });
    it('keeps every answer within answerBound', () => {
      const caps = { ...limits, maxOutputBytes: 1024 };
      const files = [{ path: 'a', content: Buffer.alloc(100).toString('base64') }];
      const worst = [
        ended({ stdout: controls.slice(0, 170), stderr: controls.slice(0, 170), record: { kind: 'return', result: '\x01'.repeat(170), files } }),
        ended({ exitCode: 1, stdout: controls, stderr: controls, record: { kind: 'exception', type: 'E', error: controls, files } }),
        ended({ exitCode: 1, stdout: controls.slice(0, 170), stderr: controls.slice(0, 170), record: { kind: 'exception', type: 'E', error: controls, files } }),
      ];
      for (const outcome of worst) expect(jsonBytes(answerOf(outcome, limits).body)).toBeLessThanOrEqual(answerBound(caps));
    });
  });
});
