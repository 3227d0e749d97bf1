import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { ExecutionJobData, JobResult } from '../contract/job';
import { InjectExecutionQueue } from './execution-queue';
import { completedEnding, JobEnding } from './job-waiter';
import { ResultStorage } from './result-storage';
import { redisCall } from './redis-call';

/** A job as job status shows it. */
export interface ExecutionJobSnapshot {
  jobId: string;
  data: ExecutionJobData;
  /** Bull's state: waiting, delayed, active, completed, failed, paused, stuck. */
  queueState: string;
  result?: JobResult;
  failedReason?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** Reads jobs of the queue: for job status, and for a waiter whose bounded wait ran out. */
@Injectable()
export class ExecutionJobs {
  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    private readonly results: ResultStorage,
  ) {}

  /** How a job ended, read once; null while it has not. */
  async endingOf(jobId: string): Promise<JobEnding | null> {
    const job = await redisCall(this.queue, () => this.queue.getJob(jobId));
    if (!job) return null;
    if (await job.isCompleted()) return completedEnding(await redisCall(this.queue, () => this.results.resultOf(jobId, job.returnvalue)));
    if (await job.isFailed()) return { kind: 'failed', reason: job.failedReason ?? 'unknown' };
    return null;
  }

  /**
   * Whether the job exists (queued, running or kept after its end): its hash holds its data. A
   * hash without (Bull's stalled-job check counts stalls in a deleted job's hash, recreating it)
   * is a lost job.
   */
  async exists(jobId: string): Promise<boolean> {
    return (await redisCall(this.queue, () => this.queue.client.hexists(this.queue.toKey(jobId), 'data'))) === 1;
  }

  /** A job's state for the job-status route; null when unknown or expired. */
  async find(jobId: string): Promise<ExecutionJobSnapshot | null> {
    let job = await redisCall(this.queue, () => this.queue.getJob(jobId));
    if (!job) return null;
    const queueState = await redisCall(this.queue, () => job!.getState());
    // The job may have finished between the two reads: read it again to get its answer.
    if (queueState === 'completed' || queueState === 'failed') job = (await redisCall(this.queue, () => this.queue.getJob(jobId))) ?? job;
    return {
      jobId,
      data: job.data,
      queueState,
      result: queueState === 'completed' ? ((await redisCall(this.queue, () => this.results.resultOf(jobId, job!.returnvalue))) ?? undefined) : undefined,
      failedReason: queueState === 'failed' ? (job.failedReason ?? 'unknown') : undefined,
      createdAt: job.timestamp,
      startedAt: job.processedOn ?? undefined,
      finishedAt: job.finishedOn ?? undefined,
    };
  }

  /** Takes a job that no worker has started off the queue; false when it already started. */
  async withdraw(jobId: string): Promise<boolean> {
    const job = await redisCall(this.queue, () => this.queue.getJob(jobId));
    if (!job || !(await job.isWaiting())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }
}
