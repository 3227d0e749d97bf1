import { loadConfig } from '../config/app-config';
import { DeliveryError, parseRetryAfter, retryDelay } from './retry-policy';

describe('retryDelay', () => {
  it('grows exponentially with equal jitter', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => retryDelay(n, new Error('x'), 2000, low))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, new Error('x'), 2000, high))).toEqual([2000, 4000, 8000, 16000]);
  });
  it('caps each wait at maxMs (jitter still applies below the cap)', () => {
    const high = () => 1;
    const low = () => 0;
    expect([10, 11, 12, 13, 40].map((n) => retryDelay(n, new Error('x'), 2000, high, 3_600_000))).toEqual([1_024_000, 2_048_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(retryDelay(40, new Error('x'), 2000, low, 3_600_000)).toBe(1_800_000);
    expect([1, 2, 3].map((n) => retryDelay(n, new Error('x'), 2000, high, 5000))).toEqual([2000, 4000, 5000]);
    expect(retryDelay(1, new DeliveryError('429', true, 7000), 2000, high, 5000)).toBe(5000);
  });
  it('spans about a day on average with the defaults (43 attempts, 2 s base, 1 h cap): 16 h 4 min to 32 h 8 min', () => {
    const { webhookMaxAttempts, webhookRetryBaseMs, webhookRetryMaxMs } = loadConfig({ API_KEYS: 'x' });
    const span = (random: () => number) =>
      Array.from({ length: webhookMaxAttempts - 1 }, (_, i) => retryDelay(i + 1, new Error('x'), webhookRetryBaseMs, random, webhookRetryMaxMs)).reduce((a, b) => a + b, 0);
    expect(span(() => 0)).toBe(57_847_000);
    expect(span(() => 1)).toBe(115_694_000);
  });
  it('stops on a non-retryable failure', () => {
    expect(retryDelay(1, new DeliveryError('404', false), 2000)).toBe(-1);
  });
  it("honours the receiver's Retry-After", () => {
    expect(retryDelay(1, new DeliveryError('429', true, 7000), 2000)).toBe(7000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
