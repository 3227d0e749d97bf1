import type { Queue } from 'bull';
import { EventEmitter } from 'node:events';
import type { JobResult } from '../contract/job';
import { JobEnding, JobWaiter } from './job-waiter';
import type { ResultStorage } from './result-storage';

/** Stands in for the Bull queue: `on`, and the 'registered:global:*' events Bull emits once it subscribed. */
class FakeQueue extends EventEmitter {
  registered(): void {
    this.emit('registered:global:completed');
    this.emit('registered:global:failed');
  }
}

const result: JobResult = { status: 200, kind: 'ok', body: { result: 1 }, timing: { run_time: 0.01, queue_time: 0, total_time: 0.01 } };
const resultB: JobResult = { ...result, body: { result: 'b' } };
/** Stands in for ResultStorage: the stored results of job-1, b and shared; none of other jobs. */
const stored = new Map([['job-1', result], ['b', resultB], ['shared', result]]);
const results = { resultOf: (jobId: string) => Promise.resolve(stored.get(jobId) ?? null) } as unknown as ResultStorage;
/** Bull's return value of a completed job: a reference to its stored result. */
const ref = JSON.stringify({ status: 200, kind: 'ok', bytes: 80 });

/** Whether a promise has settled yet, without waiting for it. */
async function peek<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, Promise.resolve('pending' as const)]);
}

describe('JobWaiter', () => {
  let queue: FakeQueue;
  let waiter: JobWaiter;

  beforeEach(async () => {
    jest.useFakeTimers();
    queue = new FakeQueue();
    waiter = new JobWaiter(queue as unknown as Queue, results);
    const init = waiter.onModuleInit();
    queue.registered();
    await init;
  });
  afterEach(() => jest.useRealTimers());

  it('onModuleInit resolves only once both global subscriptions are registered', async () => {
    const other = new FakeQueue();
    const init = new JobWaiter(other as unknown as Queue, results).onModuleInit();
    other.emit('registered:global:completed');
    expect(await peek(init)).toBe('pending');
    other.emit('registered:global:failed');
    await expect(init).resolves.toBeUndefined();
    expect(other.listenerCount('global:completed')).toBe(1);
    expect(other.listenerCount('global:failed')).toBe(1);
  });

  it('settles from global:completed with the result read from its key', async () => {
    const ending = waiter.expect('job-1');
    expect(await peek(ending)).toBe('pending');
    queue.emit('global:completed', 'job-1', ref);
    await expect(ending).resolves.toEqual<JobEnding>({ kind: 'completed', result });
  });

  it('settles as failed when the completed job has no result', async () => {
    const ending = waiter.expect('job-3');
    queue.emit('global:completed', 'job-3', ref);
    await expect(ending).resolves.toEqual<JobEnding>({ kind: 'failed', reason: 'its result is missing from Redis' });
  });

  it('settles from global:failed with the reason', async () => {
    const ending = waiter.expect('job-2');
    queue.emit('global:failed', 'job-2', 'job stalled more than allowable limit');
    await expect(ending).resolves.toEqual<JobEnding>({ kind: 'failed', reason: 'job stalled more than allowable limit' });
  });

  it('settles each waiter from its own job only, once', async () => {
    const first = waiter.expect('a');
    const second = waiter.expect('b');
    queue.emit('global:completed', 'b', ref);
    expect(await peek(first)).toBe('pending');
    expect(await second).toMatchObject({ kind: 'completed', result: { body: { result: 'b' } } });
    // A second event for the same job finds no waiter any more.
    const parse = jest.spyOn(JSON, 'parse');
    queue.emit('global:completed', 'b', ref);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    queue.emit('global:failed', 'a', 'gone');
    expect(await first).toEqual({ kind: 'failed', reason: 'gone' });
  });

  it('parses results only for jobs waited on: another process\'s job (even unparsable) is ignored', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      expect(() => queue.emit('global:completed', 'someone-elses-job', 'not json {')).not.toThrow();
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('ignores a failed event for an unknown job', async () => {
    const ending = waiter.expect('known');
    expect(() => queue.emit('global:failed', 'unknown', 'boom')).not.toThrow();
    expect(await peek(ending)).toBe('pending');
  });

  it('settles every wait for one job (repeats of an Idempotency-Key); forget with the wait drops only that one', async () => {
    const first = waiter.expect('shared');
    const second = waiter.expect('shared');
    const third = waiter.expect('shared');
    waiter.forget('shared', third);
    queue.emit('global:completed', 'shared', ref);
    expect(await first).toEqual({ kind: 'completed', result });
    expect(await second).toEqual({ kind: 'completed', result });
    expect(await peek(third)).toBe('pending');
  });

  it('forget stops waiting: a later event neither settles nor parses', async () => {
    const ending = waiter.expect('job-3');
    waiter.forget('job-3');
    const parse = jest.spyOn(JSON, 'parse');
    try {
      queue.emit('global:completed', 'job-3', ref);
      queue.emit('global:failed', 'job-3', 'late');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    await jest.advanceTimersByTimeAsync(60_000);
    expect(await peek(ending)).toBe('pending');
    // Forgetting a job nobody waits for is harmless.
    expect(() => waiter.forget('never-expected')).not.toThrow();
  });

  describe('a job this process ran (ROLE=all)', () => {
    const local: JobResult = { ...result, body: { result: 'ran here' } };

    it('settles from the stored result once the job is recorded completed, without reading Redis', async () => {
      const read = jest.spyOn(results, 'resultOf');
      try {
        const ending = waiter.expect('here');
        waiter.stored('here', local);
        expect(await peek(ending)).toBe('pending'); // stored, but Bull has not recorded it completed yet
        queue.emit('completed', { id: 'here' });
        await expect(ending).resolves.toEqual<JobEnding>({ kind: 'completed', result: local });
        expect(read).not.toHaveBeenCalled();
      } finally {
        read.mockRestore();
      }
    });

    it('keeps nothing for a job no request here waits for, nor after the wait ends or the job fails', async () => {
      waiter.stored('nobody-waits', local);
      const ending = waiter.expect('nobody-waits');
      queue.emit('completed', { id: 'nobody-waits' });
      expect(await peek(ending)).toBe('pending'); // nothing was kept before the wait began

      const forgotten = waiter.expect('forgotten');
      waiter.stored('forgotten', local);
      waiter.forget('forgotten');
      const again = waiter.expect('forgotten');
      queue.emit('completed', { id: 'forgotten' });
      expect(await peek(again)).toBe('pending');

      const failed = waiter.expect('failed');
      waiter.stored('failed', local);
      queue.emit('failed', { id: 'failed' }, new Error('lock lost'));
      queue.emit('completed', { id: 'failed' });
      expect(await peek(failed)).toBe('pending');
    });
  });
});
