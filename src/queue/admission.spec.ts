import type { Redis } from 'ioredis';
import { admit, AdmissionKeys, releaseReservation } from './admission';

/** The script itself runs in Redis (test/admission.e2e-spec.ts); here: what is sent and how the reply is read. */
const keys: AdmissionKeys = { waitList: 'p:python-execution:wait', jobKeyPrefix: 'p:python-execution:', reservations: 'p:python-execution:admissions' };

function fakeRedis(reply: unknown): { redis: Redis; eval: jest.Mock; zrem: jest.Mock } {
  const evalMock = jest.fn(async () => reply);
  const zrem = jest.fn(async () => 1);
  return { redis: { eval: evalMock, zrem } as unknown as Redis, eval: evalMock, zrem };
}

describe('admission', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2025-01-02T03:04:05Z') }));
  afterEach(() => jest.useRealTimers());

  it('sends the two keys, then max, job-key prefix, now, reservation TTL and the job id', async () => {
    const fake = fakeRedis([1, 2]);
    await admit(fake.redis, keys, 'job-7', 3);
    expect(fake.eval).toHaveBeenCalledTimes(1);
    const [script, numKeys, ...rest] = fake.eval.mock.calls[0] as unknown as [string, number, ...string[]];
    expect(typeof script).toBe('string');
    expect(script).toContain('ZREMRANGEBYSCORE');
    expect(numKeys).toBe(2);
    expect(rest).toEqual([keys.waitList, keys.reservations, '3', keys.jobKeyPrefix, String(Date.parse('2025-01-02T03:04:05Z')), '30000', 'job-7']);
    // Every argument is a string: Redis receives no numbers it could format differently.
    for (const arg of rest) expect(typeof arg).toBe('string');
  });

  it('reads {1, waiting} as admitted, with the jobs waiting before this one', async () => {
    await expect(admit(fakeRedis([1, 0]).redis, keys, 'a', 3)).resolves.toEqual({ admitted: true, waiting: 0 });
    await expect(admit(fakeRedis([1, 2]).redis, keys, 'b', 3)).resolves.toEqual({ admitted: true, waiting: 2 });
  });

  it('reads {0, waiting} as refused, with the count that refused it', async () => {
    await expect(admit(fakeRedis([0, 3]).redis, keys, 'c', 3)).resolves.toEqual({ admitted: false, waiting: 3 });
    await expect(admit(fakeRedis([0, 9]).redis, keys, 'd', 3)).resolves.toEqual({ admitted: false, waiting: 9 });
  });

  it('passes a Redis error on', async () => {
    const redis = { eval: jest.fn(async () => Promise.reject(new Error('NOSCRIPT or connection closed'))) } as unknown as Redis;
    await expect(admit(redis, keys, 'e', 3)).rejects.toThrow('connection closed');
  });

  it('releases a reservation by removing the job id from the reservations set', async () => {
    const fake = fakeRedis(null);
    await releaseReservation(fake.redis, keys, 'job-7');
    expect(fake.zrem).toHaveBeenCalledWith(keys.reservations, 'job-7');
  });
});
