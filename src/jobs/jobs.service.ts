import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { failedJobAnswer } from '../contract/answer';
import { JobStatus, jobStatusOf, WebhookState } from '../contract/job-status';
import { ExecutionJobs } from '../queue/execution-jobs';
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

/** Job look-up, visible only to the key that submitted the job. */
@Injectable()
export class JobsService {
  constructor(
    private readonly executions: ExecutionJobs,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  async status(jobId: string, owner: string): Promise<JobStatusBody> {
    const job = await this.executions.find(jobId);
    // Another key's job answers exactly like an unknown one: its existence is not disclosed.
    if (!job || job.data.owner !== owner) throw new ApiError(HttpStatus.NOT_FOUND, { error: `Job ${jobId} not found` });
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
}
