import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { failedJobAnswer } from '../contract/answer';
import { JobResult, seconds } from '../contract/job';
import { JobStatus, jobStatusOf, WebhookState } from '../contract/job-status';
import { ExecutionJobs, ExecutionJobSnapshot } from '../queue/execution-jobs';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';

export interface JobStatusBody {
  job_id: string;
  id: string | null;
  status: JobStatus;
  code?: number;
  response?: Record<string, unknown>;
  webhook?: WebhookState;
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

function failedAnswer(jobId: string, reason: string, id?: string) {
  const failed = failedJobAnswer(jobId, reason, id);
  return { code: failed.status, response: failed.body };
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

const MAX_ECHOED_JOB_ID = 64;

/** Job look-up, visible only to the key that submitted the job. */
@Injectable()
export class JobsService {
  constructor(
    private readonly executions: ExecutionJobs,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  /** The job, if `owner` submitted it; 404 otherwise. */
  private async owned(jobId: string, owner: string): Promise<ExecutionJobSnapshot> {
    const job = await this.executions.find(jobId);
    // Another key's job answers exactly like an unknown one: its existence is not disclosed.
    if (!job || job.data.owner !== owner) {
      // Job ids are UUIDs: a longer one is not echoed back.
      throw new ApiError(HttpStatus.NOT_FOUND, { error: jobId.length <= MAX_ECHOED_JOB_ID ? `Job ${jobId} not found` : 'Job not found' });
    }
    return job;
  }

  async status(jobId: string, owner: string): Promise<JobStatusBody> {
    const job = await this.owned(jobId, owner);
    const webhook = job.data.webhookUrl ? ((await this.webhooks.stateOf(jobId)) ?? { status: 'pending', attempts: 0 }) : undefined;
    return {
      job_id: jobId,
      id: job.data.id ?? null,
      status: jobStatusOf(job.queueState),
      ...(job.result && { code: job.result.status, response: job.result.body }),
      ...(job.failedReason !== undefined && failedAnswer(jobId, job.failedReason, job.data.id)),
      ...(webhook && { webhook }),
      created_at: iso(job.createdAt)!,
      ...(job.startedAt && { started_at: iso(job.startedAt) }),
      ...(job.finishedAt && { finished_at: iso(job.finishedAt) }),
    };
  }

  /**
   * POST /v1/jobs/{job_id}/webhook: a new attempt series of a finished job's webhook, same
   * X-Webhook-Id and body; 409 without a webhook, before the job ended, or while a delivery is under way.
   */
  async redeliverWebhook(jobId: string, owner: string): Promise<{ job_id: string; message: 'redelivering' }> {
    const job = await this.owned(jobId, owner);
    if (!job.data.webhookUrl) throw new ApiError(HttpStatus.CONFLICT, { error: `Job ${jobId} was submitted without a webhook_url` });
    const result = resultOf(job);
    if (!result) throw new ApiError(HttpStatus.CONFLICT, { error: `Job ${jobId} has not finished yet` });
    const outcome = await this.webhooks.redeliver(jobId, job.data, result);
    if (outcome === 'pending') throw new ApiError(HttpStatus.CONFLICT, { error: `The webhook of job ${jobId} is being delivered: see its status` });
    return { job_id: jobId, message: 'redelivering' };
  }
}

/** The answer the webhook of an ended job carries (the worker's own for a job it failed); undefined before the end. */
function resultOf(job: ExecutionJobSnapshot): JobResult | undefined {
  if (job.result) return job.result;
  if (job.failedReason === undefined) return undefined;
  const end = job.finishedAt ?? Date.now();
  const timing = { run_time: 0, queue_time: seconds((job.startedAt ?? end) - job.createdAt), total_time: seconds(end - job.createdAt) };
  return { ...failedJobAnswer(job.jobId, job.failedReason, job.data.id), timing };
}
