import { HttpService } from '@nestjs/axios';
import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { isAxiosError } from 'axios';
import type { Job, Queue } from 'bull';
import * as http from 'node:http';
import * as https from 'node:https';
import { firstValueFrom } from 'rxjs';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics.service';
import { annotateSpan, contextOf, injectTraceHeaders, inSpan, SpanKind } from '../tracing/spans';
import { forbiddenLiteralHost, guardedLookup } from './address-guard';
import { DeliveryError, parseRetryAfter } from './retry-policy';
import { WEBHOOK_QUEUE, WebhookJobData } from './webhook-job';
import { signWebhook } from './webhook-signature';

const MAX_RESPONSE_BYTES = 64 * 1024;

/** The consumer of deliveries: one POST per attempt; a thrown DeliveryError decides the retry. */
@Injectable()
export class WebhookDeliveryProcessor implements OnModuleInit {
  private readonly logger = new Logger('Webhooks');
  private readonly agents: { httpAgent?: http.Agent; httpsAgent?: https.Agent };

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly httpService: HttpService,
    private readonly metrics: Metrics,
  ) {
    // Connections resolve through the guard, so the address checked is the one connected to.
    this.agents = config.webhookAllowPrivateHosts
      ? {}
      : { httpAgent: new http.Agent({ lookup: guardedLookup }), httpsAgent: new https.Agent({ lookup: guardedLookup }) };
  }

  onModuleInit(): void {
    this.queue
      .process(this.config.webhookConcurrency, (job: Job<WebhookJobData>) => this.deliver(job))
      .catch((error: Error) => this.logger.error(`webhook processing stopped: ${error.message}`));
  }

  /** One attempt, in a `webhook attempt` span (CLIENT) of the execution's trace; the POST carries its traceparent. */
  deliver(job: Job<WebhookJobData>): Promise<void> {
    const attributes = {
      'http.request.method': 'POST',
      'server.address': hostOf(job.data.url),
      'pyexec.job_id': job.data.executionJobId,
      'pyexec.webhook.attempt': job.attemptsMade + 1,
    };
    return inSpan('webhook attempt', { kind: SpanKind.CLIENT, parent: contextOf(job.data.traceparent), attributes }, () => this.attempt(job));
  }

  private async attempt(job: Job<WebhookJobData>): Promise<void> {
    const { url, body, executionJobId } = job.data;
    const attempt = job.attemptsMade + 1;
    const literal = this.config.webhookAllowPrivateHosts ? null : forbiddenLiteralHost(url);
    if (literal) throw new DeliveryError(`refused: ${literal} is a private or reserved address`, false);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'pyexec-webhook/1',
      'X-Webhook-Id': executionJobId,
      'X-Webhook-Timestamp': timestamp,
    };
    if (this.config.webhookSecret) headers['X-Webhook-Signature'] = signWebhook(this.config.webhookSecret, timestamp, body);
    injectTraceHeaders(headers);
    try {
      const response = await firstValueFrom(
        this.httpService.post(url, body, {
          ...this.agents,
          headers,
          timeout: this.config.webhookTimeoutMs,
          signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
          maxRedirects: 0,
          // A proxy from the environment would be what the address guard checks: never use one.
          proxy: false,
          maxContentLength: MAX_RESPONSE_BYTES,
          responseType: 'text',
          transformRequest: [(data: string) => data],
          validateStatus: (status) => status >= 200 && status < 300,
        }),
      );
      annotateSpan({ 'http.response.status_code': response.status });
      this.metrics.webhookDeliveries.inc({ result: 'delivered' });
      this.logger.log({ jobId: executionJobId, attempt }, 'webhook delivered');
    } catch (error) {
      const failure = classify(error);
      const final = !failure.retryable || attempt >= (job.opts.attempts ?? 1);
      if (isAxiosError(error) && error.response) annotateSpan({ 'http.response.status_code': error.response.status });
      annotateSpan({ 'pyexec.webhook.final': final });
      this.metrics.webhookDeliveries.inc({ result: final ? 'failed' : 'retry' });
      this.logger.warn({ jobId: executionJobId, attempt, reason: failure.message, final }, 'webhook attempt failed');
      throw failure;
    }
  }
}

/** The URL's host, for the span (never its path or query, which may hold a token). */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'invalid';
  }
}

/** Network errors, timeouts, 5xx and 429 are retried; other answers and refused hosts are not. */
export function classify(error: unknown): DeliveryError {
  if (!isAxiosError(error)) return new DeliveryError((error as Error).message ?? String(error), true);
  const status = error.response?.status;
  if (status !== undefined) {
    const retryable = status >= 500 || status === 429;
    return new DeliveryError(`receiver answered ${status}`, retryable, retryable ? parseRetryAfter(error.response?.headers['retry-after']) : undefined);
  }
  const code = error.code ?? (error.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EFORBIDDENHOST' || error.message.includes('private or reserved')) {
    return new DeliveryError(`refused: ${error.message}`, false);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return new DeliveryError('no answer within the attempt timeout', true);
  }
  return new DeliveryError(`network error: ${code ?? error.message}`, true);
}
