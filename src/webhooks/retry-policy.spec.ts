import { DeliveryError, parseRetryAfter, retryDelay } from './retry-policy';

describe('retryDelay', () => {
  it('grows exponentially with equal jitter', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => retryDelay(n, new Error('x'), 2000, low))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, new Error('x'), 2000, high))).toEqual([2000, 4000, 8000, 16000]);
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
