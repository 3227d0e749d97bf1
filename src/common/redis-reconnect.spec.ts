import { REDIS_RECONNECT } from './redis-reconnect';

describe('REDIS_RECONNECT', () => {
  it('tries again after 100 ms, growing by 100 ms, never waiting more than 1 s', () => {
    expect([1, 2, 5, 10, 11, 1000].map(REDIS_RECONNECT.retryStrategy)).toEqual([100, 200, 500, 1000, 1000, 1000]);
  });
});
