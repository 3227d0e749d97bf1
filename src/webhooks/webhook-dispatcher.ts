import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { WebhookState } from '../contract/job-status';
import { ExecutionJobData, JobResult } from '../contract/job';
import { currentTraceparent } from '../tracing/spans';
import { WEBHOOK_BACKOFF, WEBHOOK_QUEUE, WebhookJobData } from './webhook-job';
import { webhookPayload } from './webhook-payload';

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
   */
  async dispatch(jobId: string, data: ExecutionJobData, result: JobResult): Promise<void> {
    const traceparent = currentTraceparent() ?? data.traceparent;
    await this.queue.add(
      { url: data.webhookUrl!, body: JSON.stringify(webhookPayload(jobId, data, result)), executionJobId: jobId, ...(traceparent && { traceparent }) },
      {
        jobId,
        attempts: this.config.webhookMaxAttempts,
        backoff: { type: WEBHOOK_BACKOFF },
        removeOnComplete: { age: this.config.jobTtlSeconds },
        removeOnFail: { age: this.config.jobTtlSeconds },
      },
    );
  }

  /** The delivery's state for the job-status route; null when no delivery was queued yet. */
  async stateOf(jobId: string): Promise<WebhookState | null> {
    // The job's hash and its state are two reads: retry until a state change did not fall between them.
    for (let read = 0; ; read++) {
      const before = await this.queue.getJob(jobId);
      if (!before) return null;
      const state = await before.getState();
      const job = await this.queue.getJob(jobId);
      if (!job) return null;
      if (job.attemptsMade === before.attemptsMade || read >= 3) return describe(job, state);
    }
  }
}

function describe(job: Job<WebhookJobData>, state: string): WebhookState {
  const lastError = job.failedReason ? { last_error: job.failedReason } : {};
  if (state === 'completed') return { status: 'delivered', attempts: job.attemptsMade + 1, ...lastError };
  if (state === 'failed') return { status: 'failed', attempts: job.attemptsMade, ...lastError };
  return { status: 'pending', attempts: job.attemptsMade + (state === 'active' ? 1 : 0), ...lastError };
}
