import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { once } from 'node:events';
import { JobResult } from '../contract/job';
import { InjectExecutionQueue } from './execution-queue';
import { ResultStorage } from './result-storage';

/** How a job ended: the worker stored its result, or failed it. */
export type JobEnding = { kind: 'completed'; result: JobResult } | { kind: 'failed'; reason: string };

/** The ending of a completed job: its result, or a failure when the result is missing (deleted, or lost with Redis's memory). */
export function completedEnding(result: JobResult | null): JobEnding {
  return result ? { kind: 'completed', result } : { kind: 'failed', reason: 'its result is missing from Redis' };
}

/**
 * One process-wide listener on the queue's global completion events, registered before any
 * job is added, resolving waiters by job id; a completed job's result is read from its own key
 * (the event carries only a small reference). (job.finished() subscribes too late and falls
 * back to a 5-second poll.) A job this process both waits for and ran (ROLE=all) is answered
 * from the result its worker stored, as soon as Bull has recorded the job completed: no Pub/Sub
 * message and no Redis read on the request's path.
 */
@Injectable()
export class JobWaiter implements OnModuleInit {
  /** Resolvers by job id: several requests may wait for one job (repeats of an Idempotency-Key). */
  private readonly waiters = new Map<string, Set<(ending: JobEnding) => void>>();
  private readonly resolvers = new WeakMap<Promise<JobEnding>, (ending: JobEnding) => void>();
  /** Results this process's worker stored for jobs waited for here, until Bull records the job completed. */
  private readonly storedHere = new Map<string, JobResult>();

  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    private readonly results: ResultStorage,
  ) {}

  async onModuleInit(): Promise<void> {
    const registered = Promise.all([
      once(this.queue, 'registered:global:completed'),
      once(this.queue, 'registered:global:failed'),
    ]);
    this.queue.on('global:completed', (jobId: string, value: string) => {
      // Every API process hears every job; only read the results someone here waits for.
      if (this.waiters.has(jobId)) void this.readResult(jobId, value).then((ending) => this.settle(jobId, ending));
    });
    this.queue.on('global:failed', (jobId: string, reason: string) => {
      this.settle(jobId, { kind: 'failed', reason });
    });
    // Emitted by this process's worker once Bull has recorded the job completed in Redis.
    this.queue.on('completed', (job: Job) => {
      const result = this.storedHere.get(String(job.id));
      if (result) this.settle(String(job.id), { kind: 'completed', result });
    });
    this.queue.on('failed', (job: Job) => this.storedHere.delete(String(job.id)));
    await registered;
  }

  private async readResult(jobId: string, returnValue: string): Promise<JobEnding> {
    try {
      return completedEnding(await this.results.resultOf(jobId, JSON.parse(returnValue)));
    } catch (error) {
      return { kind: 'failed', reason: `its result could not be read from Redis: ${(error as Error).message}` };
    }
  }

  /** Worker: the job's result is stored; kept here, until the job is recorded completed, if a request of this process waits for it. */
  stored(jobId: string, result: JobResult): void {
    if (this.waiters.has(jobId)) this.storedHere.set(jobId, result);
  }

  /** Starts waiting for a job; call before the job is added so no event can be missed. */
  expect(jobId: string): Promise<JobEnding> {
    let resolver!: (ending: JobEnding) => void;
    const ending = new Promise<JobEnding>((resolve) => {
      resolver = resolve;
    });
    const set = this.waiters.get(jobId) ?? new Set();
    set.add(resolver);
    this.waiters.set(jobId, set);
    this.resolvers.set(ending, resolver);
    return ending;
  }

  private settle(jobId: string, ending: JobEnding): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    this.waiters.delete(jobId);
    this.storedHere.delete(jobId);
    for (const resolve of set) resolve(ending);
  }

  /** Stops waiting for a job whose answer was given otherwise: this one wait, or every wait for the job. */
  forget(jobId: string, ending?: Promise<JobEnding>): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    const resolver = ending && this.resolvers.get(ending);
    if (ending === undefined) set.clear();
    else if (resolver) set.delete(resolver);
    if (set.size > 0) return;
    this.waiters.delete(jobId);
    this.storedHere.delete(jobId);
  }
}
