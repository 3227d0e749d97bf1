import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ExecutionJobData } from '../contract/job';
import { Metrics } from '../metrics/metrics.service';
import { currentTraceparent, inSpan, SpanKind } from '../tracing/spans';
import { admit, AdmissionKeys, releaseReservation } from './admission';
import { EXECUTION_QUEUE, InjectExecutionQueue } from './execution-queue';
import { JobEnding, JobWaiter } from './job-waiter';
import { redisCall } from './redis-call';
import { ResultStorage } from './result-storage';

/** A job the queue accepted. */
export interface QueuedJob {
  jobId: string;
  /** Jobs waiting to start, this one included (reported to async callers only: 0 otherwise). */
  queueLength: number;
}

/** The producer: admission control (MAX_QUEUE_LENGTH, atomic in Redis) and `queue.add` with the service's job options. */
@Injectable()
export class ExecutionProducer {
  private readonly logger = new Logger(ExecutionProducer.name);
  private readonly admissionKeys: Omit<AdmissionKeys, 'keyJobs' | 'storedBytesCounters'>;

  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly waiter: JobWaiter,
    private readonly metrics: Metrics,
    private readonly storage: ResultStorage,
  ) {
    this.admissionKeys = { waitList: queue.toKey('wait'), jobKeyPrefix: queue.toKey(''), reservations: queue.toKey('admissions') };
  }

  /** Queues a job whose answer goes to its webhook; 429 when the queue is full, 503 when Redis does not answer. */
  async enqueue(data: ExecutionJobData, jobId: string = randomUUID()): Promise<QueuedJob> {
    const waiting = await redisCall(this.queue, () => this.admitAndAdd(jobId, data, true));
    return { jobId, queueLength: waiting + 1 };
  }

  /** Queues a job and waits for its end: the waiter is registered before the add, so no event is missed. */
  async enqueueAndWait(data: ExecutionJobData, jobId: string = randomUUID()): Promise<{ job: QueuedJob; ending: Promise<JobEnding> }> {
    const ending = this.waiter.expect(jobId);
    try {
      const waiting = await redisCall(this.queue, () => this.admitAndAdd(jobId, data, false));
      return { job: { jobId, queueLength: waiting + 1 }, ending };
    } catch (error) {
      this.waiter.forget(jobId, ending);
      throw error;
    }
  }

  /** Jobs waiting for a worker now (the 202 of a repeated Idempotency-Key reports it). */
  waitingCount(): Promise<number> {
    return redisCall(this.queue, () => this.queue.client.llen(this.admissionKeys.waitList));
  }

  /**
   * Admission and the add, in the `admission` span (PRODUCER): the job carries that span's
   * traceparent, so the worker's spans of the job are its children.
   */
  private admitAndAdd(jobId: string, data: ExecutionJobData, reportLength: boolean): Promise<number> {
    const attributes = { 'messaging.system': 'bull', 'messaging.destination.name': EXECUTION_QUEUE, 'messaging.message.id': jobId, 'pyexec.job_id': jobId };
    return inSpan('admission', { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      const waiting = await this.admitAndAddNow(jobId, { ...data, traceparent: currentTraceparent() }, reportLength);
      span.setAttribute('pyexec.queue.waiting', waiting);
      return waiting;
    });
  }

  private async admitAndAddNow(jobId: string, data: ExecutionJobData, reportLength: boolean): Promise<number> {
    const { maxQueueLength, maxJobsPerKey, maxStoredBytesPerKey } = this.config;
    const admission = maxQueueLength > 0 || maxJobsPerKey > 0 || maxStoredBytesPerKey > 0;
    const waiting = admission ? await this.admit(jobId, data) : reportLength ? await this.queue.client.llen(this.admissionKeys.waitList) : 0;
    await this.queue.add(data, {
      jobId,
      attempts: 1,
      removeOnComplete: { age: this.config.jobTtlSeconds },
      removeOnFail: { age: this.config.jobTtlSeconds },
    });
    if (maxQueueLength > 0) {
      releaseReservation(this.queue.client, this.admissionKeys, jobId).catch((error: Error) =>
        this.logger.warn(`could not release admission of job ${jobId}: ${error.message}`),
      );
    }
    return waiting;
  }

  /**
   * Reserves a place, or refuses with 429 (queue full, the key's results at MAX_STORED_BYTES_PER_KEY,
   * or its jobs in flight at MAX_JOBS_PER_KEY); returns the jobs waiting before this one.
   */
  private async admit(jobId: string, data: ExecutionJobData): Promise<number> {
    const { maxQueueLength, maxJobsPerKey, maxStoredBytesPerKey, jobTtlSeconds } = this.config;
    const keys = {
      ...this.admissionKeys,
      keyJobs: this.queue.toKey(`key-jobs:${data.owner}`),
      storedBytesCounters: maxStoredBytesPerKey > 0 ? this.storage.counterKeys(data.owner) : [],
    };
    const limits = { maxWaiting: maxQueueLength, maxPerKey: maxJobsPerKey, keyJobsTtlMs: jobTtlSeconds * 1000, maxStoredBytes: maxStoredBytesPerKey };
    const decision = await admit(this.queue.client, keys, jobId, limits);
    if (decision.admitted) return decision.waiting;
    this.metrics.countExecution('rejected', data.keyName);
    if (decision.refusedBy === 'storage') throw this.storage.budgetExceeded(decision.storedBytes);
    if (decision.refusedBy === 'key') {
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
        error: `Too many jobs in flight for this API key: ${decision.inFlight} (MAX_JOBS_PER_KEY ${maxJobsPerKey})`,
        jobs_in_flight: decision.inFlight,
        max_jobs_per_key: maxJobsPerKey,
      });
    }
    throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
      error: `Queue is full: ${decision.waiting} jobs waiting (MAX_QUEUE_LENGTH ${maxQueueLength})`,
      queue_length: decision.waiting,
      max_queue_length: maxQueueLength,
    });
  }
}
