/** Why a delivery attempt failed, and whether another attempt may succeed. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Longest wait between two attempts (Retry-After or back-off) unless WEBHOOK_RETRY_MAX_MS says otherwise. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Bull back-off strategy: -1 stops retrying (4xx other than 429, refused host); Retry-After is
 * honoured up to `maxMs`; otherwise capped exponential with equal jitter: after attempt n the wait
 * is min(base·2^(n-1), maxMs) × [0.5, 1).
 */
export function retryDelay(attemptsMade: number, error: unknown, baseMs: number, random = Math.random, maxMs = MAX_RETRY_DELAY_MS): number {
  if (error instanceof DeliveryError) {
    if (!error.retryable) return -1;
    if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, maxMs);
  }
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), maxMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
