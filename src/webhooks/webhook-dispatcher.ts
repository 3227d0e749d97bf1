import { HttpService } from '@nestjs/axios';
import { Injectable, Logger } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { ExecutionJobData, ExecutionResult } from '../queue/execution-job';
import { webhookPayload } from './webhook-payload';

const ATTEMPT_TIMEOUT_MS = 10_000;

/** Sends an async job's result to its webhook once the job ends. */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(private readonly http: HttpService) {}

  async dispatch(jobId: string, data: ExecutionJobData, result: ExecutionResult): Promise<void> {
    const body = JSON.stringify(webhookPayload(jobId, data, result));
    try {
      await firstValueFrom(
        this.http.post(data.webhookUrl!, body, {
          timeout: ATTEMPT_TIMEOUT_MS,
          maxRedirects: 0,
          headers: { 'Content-Type': 'application/json', 'X-Webhook-Id': jobId },
        }),
      );
    } catch (error) {
      this.logger.warn(`job ${jobId}: webhook delivery failed: ${(error as Error).message}`);
    }
  }
}
