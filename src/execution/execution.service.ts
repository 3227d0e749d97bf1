import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { TIMED_OUT, within } from '../common/deadline';
import { ExecutionJobData } from '../queue/execution-job';
import { checkWebhookUrl, ForbiddenWebhookHost } from '../webhooks/address-guard';
import { ExecutionQueue } from '../queue/execution-queue.service';
import { JobSettlement } from '../queue/job-waiter';
import { DEFAULT_TIMEOUT_SECONDS, ExecuteRequestDto } from './dto/execute-request.dto';
import { failedJobResponse } from './execution-outcome';

export interface ExecutionReply {
  status: number;
  body: Record<string, unknown>;
}

/** Margin over a run's own timeout for the jail to start, stop and report. */
const RUN_MARGIN_SECONDS = 10;

/** Turns a validated request into a job and, for synchronous calls, waits for its answer. */
@Injectable()
export class ExecutionService {
  constructor(
    private readonly queue: ExecutionQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(request: ExecuteRequestDto, owner: string, requestId?: string): Promise<ExecutionReply> {
    const data: ExecutionJobData = {
      code: request.code,
      timeout: request.timeout ?? DEFAULT_TIMEOUT_SECONDS,
      stdin: request.stdin,
      env: (request.env ?? []).map(({ name, value }) => ({ name, value })),
      id: request.id,
      webhookUrl: request.webhook_url,
      owner,
      requestId,
    };
    if (data.webhookUrl) {
      if (!this.config.webhookAllowPrivateHosts) await this.refuseForbiddenHost(data.webhookUrl);
      const submission = await this.queue.submit(data, false);
      return {
        status: HttpStatus.ACCEPTED,
        body: {
          job_id: submission.jobId,
          ...(data.id !== undefined && { id: data.id }),
          message: 'processing',
          queue_length: submission.queueLength,
          max_queue_length: this.config.maxQueueLength || null,
        },
      };
    }
    const submission = await this.queue.submit(data, true);
    const settlement = await this.awaitSettlement(submission.jobId, submission.settlement!, data.timeout);
    if (settlement.kind === 'failed') {
      const failed = failedJobResponse(submission.jobId, settlement.reason, data.id);
      throw new ApiError(failed.status, { ...failed.body, error: failed.body.error! });
    }
    return settlement.result;
  }

  private async refuseForbiddenHost(url: string): Promise<void> {
    try {
      await checkWebhookUrl(url);
    } catch (error) {
      if (error instanceof ForbiddenWebhookHost) throw new ApiError(HttpStatus.BAD_REQUEST, { error: error.message });
      throw error;
    }
  }

  /**
   * Bounded wait: first for a worker to start and finish the job; if that runs out while the
   * job still waits, it is withdrawn (503); if it is running, its own deadline is awaited.
   */
  private async awaitSettlement(jobId: string, settlement: Promise<JobSettlement>, timeout: number): Promise<JobSettlement> {
    const queueBound = (this.config.queueWaitSeconds + timeout + RUN_MARGIN_SECONDS) * 1000;
    const first = await within(settlement, queueBound);
    if (first !== TIMED_OUT) return first;
    const known = await this.queue.settlementOf(jobId);
    if (known) {
      this.queue.stopWaiting(jobId);
      return known;
    }
    if (await this.queue.withdraw(jobId)) {
      this.queue.stopWaiting(jobId);
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, {
        error: `No worker started the job within ${this.config.queueWaitSeconds} seconds`,
        job_id: jobId,
      });
    }
    const late = await within(settlement, (timeout + RUN_MARGIN_SECONDS) * 1000);
    if (late !== TIMED_OUT) return late;
    const final = await this.queue.settlementOf(jobId);
    this.queue.stopWaiting(jobId);
    if (final) return final;
    throw new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, { error: 'The job did not report a result', job_id: jobId });
  }
}
