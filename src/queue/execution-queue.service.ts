import { InjectQueue } from '@nestjs/bull';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { TIMED_OUT, within } from '../common/deadline';
import { Metrics } from '../metrics/metrics.service';
import { admit, AdmissionKeys, releaseReservation } from './admission';
import { EXECUTION_QUEUE, ExecutionJobData, ExecutionResult } from './execution-job';
import { JobSettlement, JobWaiter } from './job-waiter';

export interface ExecutionJobSnapshot {
  jobId: string;
  data: ExecutionJobData;
  /** Bull's state: waiting, delayed, active, completed, failed, paused, stuck. */
  state: string;
  result?: ExecutionResult;
  failedReason?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** How long a call to Redis may take before the service answers 503. */
const REDIS_CALL_TIMEOUT_MS = 5000;

export interface Submission {
  jobId: string;
  /** Jobs waiting to start, this one included. */
  queueLength: number;
  /** Settles when the job ends; only when a wait was asked for. */
  settlement?: Promise<JobSettlement>;
}

/** The producer: admission control and `queue.add` with the service's job options. */
@Injectable()
export class ExecutionQueue {
  private readonly logger = new Logger(ExecutionQueue.name);
  private readonly admissionKeys: AdmissionKeys;

  constructor(
    @InjectQueue(EXECUTION_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly waiter: JobWaiter,
    private readonly metrics: Metrics,
  ) {
    metrics.registerQueueGauge(() => this.counts());
    this.admissionKeys = {
      waitList: queue.toKey('wait'),
      jobKeyPrefix: queue.toKey(''),
      reservations: queue.toKey('admissions'),
    };
  }

  /** Admits and enqueues a job; 429 when the queue is full, 503 when Redis does not answer. */
  async submit(data: ExecutionJobData, waitForResult: boolean): Promise<Submission> {
    const jobId = randomUUID();
    const settlement = waitForResult ? this.waiter.expect(jobId) : undefined;
    try {
      const waiting = await this.redisCall(() => this.admitAndAdd(jobId, data));
      return { jobId, queueLength: waiting + 1, settlement };
    } catch (error) {
      this.waiter.forget(jobId);
      throw error;
    }
  }

  private async admitAndAdd(jobId: string, data: ExecutionJobData): Promise<number> {
    const max = this.config.maxQueueLength;
    const keys = this.admissionKeys;
    let waiting: number;
    if (max > 0) {
      const decision = await admit(this.queue.client, keys, jobId, max);
      if (!decision.admitted) {
        this.metrics.executions.inc({ outcome: 'rejected' });
        throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
          error: `Queue is full: ${decision.waiting} jobs waiting (MAX_QUEUE_LENGTH ${max})`,
          queue_length: decision.waiting,
          max_queue_length: max,
        });
      }
      waiting = decision.waiting;
    } else {
      // Only the 202 answer reports the queue's length; a synchronous call skips the round trip.
      waiting = data.webhookUrl ? await this.queue.client.llen(keys.waitList) : 0;
    }
    await this.queue.add(data, {
      jobId,
      attempts: 1,
      removeOnComplete: { age: this.config.jobTtlSeconds },
      removeOnFail: { age: this.config.jobTtlSeconds },
    });
    if (max > 0) {
      releaseReservation(this.queue.client, keys, jobId).catch((error: Error) =>
        this.logger.warn(`could not release admission of job ${jobId}: ${error.message}`),
      );
    }
    return waiting;
  }

  /** Fails fast with 503 while Redis is unreachable, instead of queueing commands. */
  private async redisCall<T>(call: () => Promise<T>): Promise<T> {
    if (this.queue.client.status !== 'ready') throw this.unavailable();
    try {
      const answer = await within(call(), REDIS_CALL_TIMEOUT_MS);
      if (answer === TIMED_OUT) throw new Error(`Redis did not answer within ${REDIS_CALL_TIMEOUT_MS} ms`);
      return answer;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      this.logger.error(`Redis call failed: ${(error as Error).message}`);
      throw this.unavailable();
    }
  }

  private unavailable(): ApiError {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { error: 'Queue unavailable: Redis is not reachable' });
  }

  /** Redis round trip, for readiness; throws when Redis does not answer within a second. */
  async ping(): Promise<void> {
    const answer = await within(this.queue.client.ping(), 1000);
    if (answer === TIMED_OUT) throw new Error('Redis did not answer within 1000 ms');
  }

  /** Jobs waiting for a worker and running, for the metrics gauge. */
  async counts(): Promise<{ waiting: number; active: number }> {
    const counts = await this.queue.getJobCounts();
    return { waiting: counts.waiting, active: counts.active };
  }

  /** Looks a job up once, for a waiter whose bounded wait ran out. */
  async settlementOf(jobId: string): Promise<JobSettlement | null> {
    const job = await this.redisCall(() => this.queue.getJob(jobId));
    if (!job) return null;
    if ((await job.isCompleted()) && job.returnvalue) return { kind: 'completed', result: job.returnvalue };
    if (await job.isFailed()) return { kind: 'failed', reason: job.failedReason ?? 'unknown' };
    return null;
  }

  /** A job's state for the job-status route; null when unknown or expired. */
  async find(jobId: string): Promise<ExecutionJobSnapshot | null> {
    let job = await this.redisCall(() => this.queue.getJob(jobId));
    if (!job) return null;
    const state = await this.redisCall(() => job!.getState());
    // The job may have finished between the two reads: read it again to get its answer.
    if (state === 'completed' || state === 'failed') job = (await this.redisCall(() => this.queue.getJob(jobId))) ?? job;
    return {
      jobId,
      data: job.data,
      state,
      result: state === 'completed' ? (job.returnvalue as ExecutionResult) : undefined,
      failedReason: state === 'failed' ? (job.failedReason ?? 'unknown') : undefined,
      createdAt: job.timestamp,
      startedAt: job.processedOn ?? undefined,
      finishedAt: job.finishedOn ?? undefined,
    };
  }

  /** Drops the waiter of a job whose answer was given otherwise. */
  stopWaiting(jobId: string): void {
    this.waiter.forget(jobId);
  }

  /** Takes a job that no worker has started off the queue; false when it already started. */
  async withdraw(jobId: string): Promise<boolean> {
    const job = await this.redisCall(() => this.queue.getJob(jobId));
    if (!job || !(await job.isWaiting())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }
}
