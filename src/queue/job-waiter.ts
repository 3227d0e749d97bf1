import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { once } from 'node:events';
import { EXECUTION_QUEUE, ExecutionResult } from './execution-job';

export type JobSettlement =
  | { kind: 'completed'; result: ExecutionResult }
  | { kind: 'failed'; reason: string };

/**
 * One process-wide listener on the queue's global completion events, registered before any
 * job is added, resolving waiters by job id. (job.finished() subscribes too late and falls
 * back to a 5-second poll.)
 */
@Injectable()
export class JobWaiter implements OnModuleInit {
  private readonly waiters = new Map<string, (settlement: JobSettlement) => void>();

  constructor(@InjectQueue(EXECUTION_QUEUE) private readonly queue: Queue) {}

  async onModuleInit(): Promise<void> {
    const registered = Promise.all([
      once(this.queue, 'registered:global:completed'),
      once(this.queue, 'registered:global:failed'),
    ]);
    this.queue.on('global:completed', (jobId: string, value: string) => {
      // Every API process hears every job; only parse the results someone here waits for.
      if (this.waiters.has(jobId)) this.settle(jobId, { kind: 'completed', result: JSON.parse(value) as ExecutionResult });
    });
    this.queue.on('global:failed', (jobId: string, reason: string) => {
      this.settle(jobId, { kind: 'failed', reason });
    });
    await registered;
  }

  /** Starts waiting for a job; call before the job is added so no event can be missed. */
  expect(jobId: string): Promise<JobSettlement> {
    return new Promise((resolve) => this.waiters.set(jobId, resolve));
  }

  /** Settles a waiter from outside the events (e.g. after a bounded wait looked the job up). */
  settle(jobId: string, settlement: JobSettlement): void {
    const resolve = this.waiters.get(jobId);
    if (!resolve) return;
    this.waiters.delete(jobId);
    resolve(settlement);
  }

  forget(jobId: string): void {
    this.waiters.delete(jobId);
  }
}
