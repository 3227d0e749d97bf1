import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
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
 * back to a 5-second poll.)
 */
@Injectable()
export class JobWaiter implements OnModuleInit {
  /** Resolvers by job id: several requests may wait for one job (repeats of an Idempotency-Key). */
  private readonly waiters = new Map<string, Set<(ending: JobEnding) => void>>();
  private readonly resolvers = new WeakMap<Promise<JobEnding>, (ending: JobEnding) => void>();

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
    await registered;
  }

  private async readResult(jobId: string, returnValue: string): Promise<JobEnding> {
    try {
      return completedEnding(await this.results.resultOf(jobId, JSON.parse(returnValue)));
    } catch (error) {
      return { kind: 'failed', reason: `its result could not be read from Redis: ${(error as Error).message}` };
    }
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
    for (const resolve of set) resolve(ending);
  }

  /** Stops waiting for a job whose answer was given otherwise: this one wait, or every wait for the job. */
  forget(jobId: string, ending?: Promise<JobEnding>): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    const resolver = ending && this.resolvers.get(ending);
    if (ending === undefined) set.clear();
    else if (resolver) set.delete(resolver);
    if (set.size === 0) this.waiters.delete(jobId);
  }
}
