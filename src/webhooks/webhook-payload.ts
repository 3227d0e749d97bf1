import { ExecutionJobData, JobResult } from '../contract/job';

export const EXECUTE_ENDPOINT = '/v1/code/execute/python';

/** The body POSTed to a webhook: the synchronous answer wrapped with its status and times. */
export function webhookPayload(jobId: string, data: ExecutionJobData, result: JobResult) {
  return {
    endpoint: EXECUTE_ENDPOINT,
    code: result.status,
    id: data.id ?? null,
    job_id: jobId,
    response: result.body,
    message: result.status === 200 ? 'success' : String(result.body.error),
    ...result.timing,
  };
}
