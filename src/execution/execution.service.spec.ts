import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ApiError } from '../common/api-error';
import { loadConfig, RUNTIME_MANIFEST } from '../config/app-config';
import type { JobResult } from '../contract/job';
import type { ExecutionJobs } from '../queue/execution-jobs';
import type { ExecutionProducer } from '../queue/execution-producer';
import type { JobEnding, JobWaiter } from '../queue/job-waiter';
import type { IdempotencyStore } from '../queue/idempotency';
import type { ExecuteRequestDto } from './dto/execute-request.dto';
import { ExecutionService, JOB_CHECK_MS } from './execution.service';

/** A stand-in runtime (as in config/app-config.spec.ts): the manifest and an executable bin/python3. */
const runtimeDir = mkdtempSync(path.join(tmpdir(), 'pyexec-execution-spec-'));
mkdirSync(path.join(runtimeDir, 'bin'));
symlinkSync('/bin/true', path.join(runtimeDir, 'bin', 'python3'));
writeFileSync(path.join(runtimeDir, RUNTIME_MANIFEST), JSON.stringify({ jail_path: '/opt/pyexec/runtime', python: '3.11.2', stdlib_modules: ['json', 'sys'] }));
afterAll(() => rmSync(runtimeDir, { recursive: true, force: true }));

const QUEUE_WAIT_SECONDS = 5;
const TIMEOUT = 2;
/** The first wait: queue wait + the run's timeout + the 10 s margin. */
const FIRST_WAIT_MS = (QUEUE_WAIT_SECONDS + TIMEOUT + 10) * 1000;
/** The second wait, once the job is known to run: its timeout + the margin. */
const LATE_WAIT_MS = (TIMEOUT + 10) * 1000;
const JOB_ID = 'job-1';

const ok: JobResult = { status: 200, kind: 'ok', body: { result: 42, stdout: '', stderr: '', exit_code: 0, files: [] }, timing: { run_time: 0.1, queue_time: 0, total_time: 0.1 } };
const failedRun: JobResult = { status: 400, kind: 'error', body: { error: 'ValueError: no', stdout: '', stderr: '', exit_code: 1, files: [] }, timing: ok.timing };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Tracks a promise's state without awaiting it. */
function track<T>(promise: Promise<T>): { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } {
  const tracked: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(tracked, { state: 'resolved', value }),
    (error: unknown) => Object.assign(tracked, { state: 'rejected', error }),
  );
  return tracked;
}

describe('ExecutionService: the bounded wait of a synchronous execution', () => {
  const config = loadConfig({ API_KEYS: 'k1', NSJAIL_PATH: '/bin/true', RUNTIME_DIR: runtimeDir, QUEUE_WAIT_SECONDS: String(QUEUE_WAIT_SECONDS) });
  const request = { code: 'return 42', timeout: TIMEOUT } as ExecuteRequestDto;
  let ending: ReturnType<typeof deferred<JobEnding>>;
  let producer: { enqueueAndWait: jest.Mock; enqueue: jest.Mock };
  let jobs: { endingOf: jest.Mock; withdraw: jest.Mock; exists: jest.Mock };
  let waiter: { forget: jest.Mock };
  let service: ExecutionService;

  beforeEach(() => {
    jest.useFakeTimers();
    ending = deferred<JobEnding>();
    producer = {
      enqueueAndWait: jest.fn(async () => ({ job: { jobId: JOB_ID, queueLength: 0 }, ending: ending.promise })),
      enqueue: jest.fn(),
    };
    jobs = { endingOf: jest.fn(async () => null), withdraw: jest.fn(async () => false), exists: jest.fn(async () => true) };
    waiter = { forget: jest.fn() };
    service = new ExecutionService(producer as unknown as ExecutionProducer, jobs as unknown as ExecutionJobs, waiter as unknown as JobWaiter, config, {} as IdempotencyStore);
  });
  afterEach(() => {
    expect(jest.getTimerCount()).toBe(0); // every wait cleared its timer
    jest.useRealTimers();
  });

  it('queues the job with the request and owner, and answers with the job\'s result when it ends in time', async () => {
    const run = track(service.execute(request, 'owner-fp', 'req-1'));
    await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS - 1);
    expect(run.state).toBe('pending');
    ending.resolve({ kind: 'completed', result: ok });
    await jest.advanceTimersByTimeAsync(0);
    expect(run).toMatchObject({ state: 'resolved', value: { status: 200, body: ok.body } });
    expect(producer.enqueueAndWait).toHaveBeenCalledWith(expect.objectContaining({ code: 'return 42', timeout: TIMEOUT, owner: 'owner-fp', requestId: 'req-1', env: [] }), undefined);
    expect(jobs.endingOf).not.toHaveBeenCalled();
    expect(jobs.withdraw).not.toHaveBeenCalled();
  });

  it('throws an error answer as an ApiError with the answer\'s status and body', async () => {
    const run = service.execute(request, 'owner-fp');
    ending.resolve({ kind: 'completed', result: failedRun });
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).getStatus()).toBe(400);
    expect((error as ApiError).body).toEqual(failedRun.body);
    expect((error as ApiError).reason).toBeUndefined();
  });

  it('throws a job the worker failed as a 500 ApiError naming the job, with the reason for the log', async () => {
    const run = service.execute({ ...request, id: 'mine' } as ExecuteRequestDto, 'owner-fp');
    ending.resolve({ kind: 'failed', reason: 'the worker shut down before the run finished' });
    const error = (await run.catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.getStatus()).toBe(500);
    expect(error.body).toEqual({ error: 'The job failed: the worker shut down before the run finished', job_id: JOB_ID, id: 'mine' });
    expect(error.reason).toBe('the worker shut down before the run finished');
  });

  it('withdraws a job no worker started when the wait runs out: 503 with the job id', async () => {
    jobs.withdraw.mockResolvedValue(true);
    const run = track(service.execute(request, 'owner-fp'));
    await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS - 1);
    expect(run.state).toBe('pending');
    expect(jobs.withdraw).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(run.state).toBe('rejected');
    const error = run.error as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.getStatus()).toBe(503);
    expect(error.body).toEqual({ error: `No worker started the job within ${QUEUE_WAIT_SECONDS} seconds`, job_id: JOB_ID });
    expect(jobs.endingOf).toHaveBeenCalledTimes(1);
    expect(jobs.withdraw).toHaveBeenCalledWith(JOB_ID);
    expect(waiter.forget).toHaveBeenCalledWith(JOB_ID, ending.promise);
  });

  it('answers with an ending the job reached just as the wait ran out, without withdrawing it', async () => {
    jobs.endingOf.mockResolvedValueOnce({ kind: 'completed', result: ok });
    const run = track(service.execute(request, 'owner-fp'));
    await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS);
    expect(run).toMatchObject({ state: 'resolved', value: { status: 200, body: ok.body } });
    expect(jobs.withdraw).not.toHaveBeenCalled();
    expect(waiter.forget).toHaveBeenCalledWith(JOB_ID, ending.promise);
  });

  it('waits the run\'s timeout + 10 s more for a job that is running, and answers when it ends', async () => {
    const run = track(service.execute(request, 'owner-fp'));
    await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS);
    expect(jobs.withdraw).toHaveBeenCalledWith(JOB_ID);
    await jest.advanceTimersByTimeAsync(LATE_WAIT_MS - 1);
    expect(run.state).toBe('pending');
    ending.resolve({ kind: 'completed', result: ok });
    await jest.advanceTimersByTimeAsync(0);
    expect(run).toMatchObject({ state: 'resolved', value: { status: 200, body: ok.body } });
    expect(jobs.endingOf).toHaveBeenCalledTimes(1);
    expect(waiter.forget).toHaveBeenCalledWith(JOB_ID, ending.promise);
  });

  it('reads the job once more when the second wait runs out too, and answers what it holds', async () => {
    jobs.endingOf.mockResolvedValueOnce(null).mockResolvedValueOnce({ kind: 'completed', result: ok });
    const run = track(service.execute(request, 'owner-fp'));
    await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS + LATE_WAIT_MS);
    expect(run).toMatchObject({ state: 'resolved', value: { status: 200 } });
    expect(jobs.endingOf).toHaveBeenCalledTimes(2);
  });

  it('answers 500 "The job did not report a result" when the running job still reports nothing', async () => {
    const run = track(service.execute(request, 'owner-fp'));
    await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS + LATE_WAIT_MS - 1);
    expect(run.state).toBe('pending');
    expect(jobs.endingOf).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(run.state).toBe('rejected');
    const error = run.error as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.getStatus()).toBe(500);
    expect(error.body).toEqual({ error: 'The job did not report a result', job_id: JOB_ID });
    expect(jobs.endingOf).toHaveBeenCalledTimes(2); // read once more, not polled
    expect(jobs.withdraw).toHaveBeenCalledTimes(1);
    expect(waiter.forget).toHaveBeenCalledTimes(1);
    expect(waiter.forget).toHaveBeenCalledWith(JOB_ID, ending.promise);
  });

  it('uses the default timeout (30 s) for the wait when the request names none', async () => {
    jobs.withdraw.mockResolvedValue(true);
    const run = track(service.execute({ code: 'pass' } as ExecuteRequestDto, 'owner-fp'));
    await jest.advanceTimersByTimeAsync((QUEUE_WAIT_SECONDS + 30 + 10) * 1000 - 1);
    expect(run.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect((run.error as ApiError).getStatus()).toBe(503);
  });

  describe('a job that vanishes from Redis while the request waits', () => {
    const LOST_BODY = {
      error: 'The job was lost: its record is gone from Redis (Redis restarted without persistence, or its keys were deleted); send the request again',
      job_id: JOB_ID,
    };

    it('checks that the job exists every 2 s (its hash holds its data), and answers its result as usual', async () => {
      const run = track(service.execute(request, 'owner-fp'));
      await jest.advanceTimersByTimeAsync(JOB_CHECK_MS - 1);
      expect(jobs.exists).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(jobs.exists).toHaveBeenCalledTimes(1);
      expect(jobs.exists).toHaveBeenCalledWith(JOB_ID);
      await jest.advanceTimersByTimeAsync(2 * JOB_CHECK_MS);
      expect(jobs.exists).toHaveBeenCalledTimes(3);
      ending.resolve({ kind: 'completed', result: ok });
      await jest.advanceTimersByTimeAsync(0);
      expect(run).toMatchObject({ state: 'resolved', value: { status: 200, body: ok.body } });
      await jest.advanceTimersByTimeAsync(10 * JOB_CHECK_MS);
      expect(jobs.exists).toHaveBeenCalledTimes(3); // the checks stopped with the wait
    });

    it('answers 503 "The job was lost" with the job id at the first check that misses it, not a 500 after the long wait', async () => {
      jobs.exists.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
      const run = track(service.execute(request, 'owner-fp'));
      await jest.advanceTimersByTimeAsync(2 * JOB_CHECK_MS - 1);
      expect(run.state).toBe('pending');
      await jest.advanceTimersByTimeAsync(1);
      expect(run.state).toBe('rejected');
      const error = run.error as ApiError;
      expect(error).toBeInstanceOf(ApiError);
      expect(error.getStatus()).toBe(503);
      expect(error.body).toEqual(LOST_BODY);
      expect(jobs.withdraw).not.toHaveBeenCalled();
      expect(waiter.forget).toHaveBeenCalledWith(JOB_ID, ending.promise);
    });

    it('keeps waiting while Redis cannot be asked, and judges the job once it answers', async () => {
      jobs.exists
        .mockRejectedValueOnce(new ApiError(503, { error: 'Queue unavailable: Redis is not reachable' }))
        .mockRejectedValueOnce(new ApiError(503, { error: 'Queue unavailable: Redis is not reachable' }))
        .mockResolvedValueOnce(false);
      const run = track(service.execute(request, 'owner-fp'));
      await jest.advanceTimersByTimeAsync(2 * JOB_CHECK_MS);
      expect(run.state).toBe('pending');
      await jest.advanceTimersByTimeAsync(JOB_CHECK_MS);
      expect(run.state).toBe('rejected');
      expect((run.error as ApiError).getStatus()).toBe(503);
      expect((run.error as ApiError).body).toEqual(LOST_BODY);
    });

    it('answers a failure of a job whose hash is gone as lost (503): Bull fails a deleted job it finds stalled', async () => {
      jobs.exists.mockResolvedValue(false);
      const run = service.execute(request, 'owner-fp');
      ending.resolve({ kind: 'failed', reason: 'job stalled more than allowable limit' });
      const error = (await run.catch((caught: unknown) => caught)) as ApiError;
      expect(error).toBeInstanceOf(ApiError);
      expect(error.getStatus()).toBe(503);
      expect(error.body).toEqual(LOST_BODY);
      expect(jobs.exists).toHaveBeenCalledWith(JOB_ID);
    });

    it('judges a failure read once the wait ran out the same way: lost when the hash is gone', async () => {
      jobs.endingOf.mockResolvedValueOnce({ kind: 'failed', reason: 'job stalled more than allowable limit' });
      // Present at every check of the wait; gone when the failure read after it is judged.
      jobs.exists.mockImplementation(async () => jobs.endingOf.mock.calls.length === 0);
      const run = track(service.execute(request, 'owner-fp'));
      await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS);
      expect(jobs.endingOf).toHaveBeenCalledTimes(1);
      expect(run.state).toBe('rejected');
      expect((run.error as ApiError).getStatus()).toBe(503);
      expect((run.error as ApiError).body).toEqual(LOST_BODY);
      expect(jobs.withdraw).not.toHaveBeenCalled();
    });

    it('notices the loss during the second wait too (a running job)', async () => {
      const run = track(service.execute(request, 'owner-fp'));
      await jest.advanceTimersByTimeAsync(FIRST_WAIT_MS);
      expect(jobs.withdraw).toHaveBeenCalledWith(JOB_ID);
      expect(run.state).toBe('pending');
      jobs.exists.mockResolvedValue(false);
      await jest.advanceTimersByTimeAsync(JOB_CHECK_MS);
      expect(run.state).toBe('rejected');
      expect((run.error as ApiError).getStatus()).toBe(503);
      expect((run.error as ApiError).body).toEqual(LOST_BODY);
    });
  });
});
