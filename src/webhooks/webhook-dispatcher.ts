import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import type { Job, JobOptions, Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { WebhookState } from '../contract/job-status';
import { ExecutionJobData, JobResult } from '../contract/job';
import { currentTraceparent } from '../tracing/spans';
import { WEBHOOK_BACKOFF, WEBHOOK_QUEUE, WebhookJobData } from './webhook-job';
import { webhookPayload } from './webhook-payload';

/** How long a redelivery holds its lock: far more than its few Redis calls take. */
const REDELIVERY_LOCK_MS = 10_000;

/** Deletes the lock only if it is still the one this call took. */
const RELEASE_LOCK = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

/**
 * What a redelivery did: `redelivering` (a new attempt series is queued), or `pending` when a
 * delivery of the job is queued, waiting out a back-off, in flight, or being redelivered right now.
 */
export type RedeliveryOutcome = 'redelivering' | 'pending';

/** The producer of deliveries: one durable Bull job per execution, retried with back-off. */
@Injectable()
export class WebhookDispatcher {
  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Idempotent: the delivery's job id is the execution's, so a re-run job adds no second one. The
   * delivery carries the active trace (the job's span), else the execution's own traceparent.
   * Returns the bytes of the delivery's data, which holds the answer once more, as Redis stores it.
   */
  async dispatch(jobId: string, data: ExecutionJobData, result: JobResult): Promise<number> {
    const traceparent = currentTraceparent() ?? data.traceparent;
    const delivery: WebhookJobData = { url: data.webhookUrl!, body: JSON.stringify(webhookPayload(jobId, data, result)), executionJobId: jobId, ...(traceparent && { traceparent }) };
    await this.queue.add(delivery, this.options(jobId));
    return Buffer.byteLength(JSON.stringify(delivery));
  }

  /**
   * A new attempt series for a finished delivery, with the same X-Webhook-Id and the same body:
   * the delivered or failed Bull job is removed and added again under the same id. When it has
   * expired, the body is rebuilt from the execution's `result`. A short Redis lock (SET NX) keeps
   * two redeliveries of one job from interleaving; a delivery still under way is left alone.
   */
  async redeliver(jobId: string, data: ExecutionJobData, result: JobResult): Promise<RedeliveryOutcome> {
    const lock = `${this.config.queuePrefix}:${WEBHOOK_QUEUE}-redelivery-lock:${jobId}`;
    const token = randomUUID();
    if ((await this.queue.client.set(lock, token, 'PX', REDELIVERY_LOCK_MS, 'NX')) !== 'OK') return 'pending';
    try {
      const previous = await this.queue.getJob(jobId);
      if (previous) {
        const state = await previous.getState();
        if (state !== 'completed' && state !== 'failed') return 'pending';
        await previous.remove();
      }
      const traceparent = currentTraceparent() ?? previous?.data.traceparent ?? data.traceparent;
      const delivery: WebhookJobData = previous
        ? { ...previous.data, ...(traceparent && { traceparent }) }
        : { url: data.webhookUrl!, body: JSON.stringify(webhookPayload(jobId, data, result)), executionJobId: jobId, ...(traceparent && { traceparent }) };
      await this.queue.add(delivery, this.options(jobId));
      return 'redelivering';
    } finally {
      await this.queue.client.eval(RELEASE_LOCK, 1, lock, token).catch(() => undefined);
    }
  }

  /** The delivery's state for the job-status route; null when no delivery was queued yet. */
  async stateOf(jobId: string): Promise<WebhookState | null> {
    // The job's hash and its state are two reads: retry until a state change did not fall between them.
    for (let read = 0; ; read++) {
      const before = await this.queue.getJob(jobId);
      if (!before) return null;
      const state = await before.getState();
      // Bull scores its delayed set with the time to run the job, in ms, times 4096 (plus a counter).
      const score = state === 'delayed' ? await this.queue.client.zscore(this.queue.toKey('delayed'), jobId) : null;
      const job = await this.queue.getJob(jobId);
      if (!job) return null;
      if (job.attemptsMade === before.attemptsMade || read >= 3) return describe(job, state, score === null ? undefined : Math.floor(Number(score) / 4096));
    }
  }

  private options(jobId: string): JobOptions {
    return {
      jobId,
      attempts: this.config.webhookMaxAttempts,
      backoff: { type: WEBHOOK_BACKOFF },
      removeOnComplete: { age: this.config.jobTtlSeconds },
      removeOnFail: { age: this.config.jobTtlSeconds },
    };
  }
}

function describe(job: Job<WebhookJobData>, state: string, nextAttemptAt?: number): WebhookState {
  const lastError = job.failedReason ? { last_error: job.failedReason } : {};
  if (state === 'completed') return { status: 'delivered', attempts: job.attemptsMade + 1, ...lastError };
  if (state === 'failed') return { status: 'failed', attempts: job.attemptsMade, ...lastError };
  const next = nextAttemptAt !== undefined && nextAttemptAt > 0 ? { next_attempt_at: new Date(nextAttemptAt).toISOString() } : {};
  return { status: 'pending', attempts: job.attemptsMade + (state === 'active' ? 1 : 0), ...lastError, ...next };
}
