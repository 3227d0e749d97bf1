/** The vocabularies of job status (GET /v1/jobs/{job_id}): one place for each. */

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Bull's job states as the API names them; every other state (waiting, delayed, paused) is queued. */
const STATUS_OF_QUEUE_STATE: Record<string, JobStatus> = { active: 'running', completed: 'completed', failed: 'failed' };

export function jobStatusOf(queueState: string): JobStatus {
  return STATUS_OF_QUEUE_STATE[queueState] ?? 'queued';
}

export const WEBHOOK_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/** A job's webhook delivery, as job status shows it. */
export interface WebhookState {
  status: WebhookStatus;
  attempts: number;
  last_error?: string;
  /** ISO time of the next attempt, while one is scheduled (a retry waiting out its back-off). */
  next_attempt_at?: string;
}
