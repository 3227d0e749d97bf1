import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, DEFAULT_TIMEOUT_SECONDS } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { TIMED_OUT, within } from '../common/deadline';
import { ExecutionJobData } from '../queue/execution-job';
import { checkWebhookUrl, ForbiddenWebhookHost } from '../webhooks/address-guard';
import { ExecutionQueue } from '../queue/execution-queue.service';
import { JobSettlement } from '../queue/job-waiter';
import { ExecuteRequestDto } from './dto/execute-request.dto';
import { failedJobResponse } from './execution-outcome';
import { base64Bytes } from './input-files';
import type { RunLimits } from '../sandbox/python-runner';

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
      ...(request.files?.length && { files: this.inputFiles(request) }),
      ...(request.limits && { limits: this.runLimits(request) }),
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

  private inputFiles(request: ExecuteRequestDto): { path: string; content: string }[] {
    const files = (request.files ?? []).map(({ path, content }) => ({ path, content }));
    const total = files.reduce((sum, file) => sum + base64Bytes(file.content), 0);
    if (total > this.config.maxInputFilesBytes) {
      const problem = `files hold ${total} bytes, more than MAX_INPUT_FILES_BYTES (${this.config.maxInputFilesBytes})`;
      throw new ApiError(HttpStatus.BAD_REQUEST, { error: `Invalid request: ${problem}`, details: [problem] });
    }
    return files;
  }

  /** The request's limits, each within the operator's cap; the defaults for the ones it omits. */
  private runLimits(request: ExecuteRequestDto): RunLimits {
    const asked = request.limits ?? {};
    const { config } = this;
    const limits: RunLimits = {
      memoryMb: asked.memory_mb ?? config.sandboxMemoryMb,
      maxProcesses: asked.max_processes ?? config.sandboxMaxPids,
      cpus: asked.cpus ?? config.sandboxCpus,
      maxOutputBytes: asked.max_output_bytes ?? config.maxOutputBytes,
    };
    const caps: [string, number, string, number][] = [
      ['memory_mb', limits.memoryMb, 'SANDBOX_MEMORY_MB_CAP', config.sandboxMemoryMbCap],
      ['max_processes', limits.maxProcesses, 'SANDBOX_MAX_PIDS_CAP', config.sandboxMaxPidsCap],
      ['cpus', limits.cpus, 'SANDBOX_CPUS_CAP', config.sandboxCpusCap],
      ['max_output_bytes', limits.maxOutputBytes, 'MAX_OUTPUT_BYTES_CAP', config.maxOutputBytesCap],
    ];
    const over = caps.filter(([, value, , cap]) => value > cap).map(([field, value, name, cap]) => `limits.${field} ${value} is above ${name} (${cap})`);
    if (over.length > 0) throw new ApiError(HttpStatus.BAD_REQUEST, { error: `Invalid request: ${over.join('; ')}`, details: over });
    return limits;
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
