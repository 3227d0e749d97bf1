export const WEBHOOK_QUEUE = 'webhook-delivery';
export const WEBHOOK_BACKOFF = 'webhook';

/** One delivery: the body is fixed at dispatch so every attempt sends the same bytes. */
export interface WebhookJobData {
  url: string;
  body: string;
  /** The execution's job id: the X-Webhook-Id receivers dedupe by. */
  executionJobId: string;
  /** W3C traceparent of the span that queued the delivery: each attempt's span is its child. */
  traceparent?: string;
}
