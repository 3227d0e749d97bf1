import type { Redis } from 'ioredis';
import { admit, AdmissionKeys, releaseReservation } from './admission';

/** The script itself runs in Redis (test/admission.e2e-spec.ts); here: what is sent and how the reply is read. */
const keys: AdmissionKeys = { waitList: 'p:python-execution:wait', jobKeyPrefix: 'p:python-execution:', reservations: 'p:python-execution:admissions', keyJobs: 'p:python-execution:key-jobs:k1', storedBytesCounters: ['p:python-execution:stored-bytes:k1:7', 'p:python-execution:stored-bytes:k1:8'] };
const limits = (maxWaiting: number, maxPerKey = 0, maxStoredBytes = 0) => ({ maxWaiting, maxPerKey, keyJobsTtlMs: 86_400_000, maxStoredBytes });

/** A connection whose defined command answers `reply`: `command` records each call, `defined` the definition. */
function fakeRedis(reply: unknown): { redis: Redis; command: jest.Mock; defined: jest.Mock; zrem: jest.Mock } {
  const command = jest.fn(async () => reply);
  const zrem = jest.fn(async () => 1);
  const redis = { zrem } as Record<string, unknown>;
  const defined = jest.fn((name: string) => {
    redis[name] = command;
  });
  redis.defineCommand = defined;
  return { redis: redis as unknown as Redis, command, defined, zrem };
}

describe('admission', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2025-01-02T03:04:05Z') }));
  afterEach(() => jest.useRealTimers());

  it('sends the three keys, then max waiting, job-key prefix, now, reservation TTL, the job id, max per key and the key set TTL', async () => {
    const fake = fakeRedis([1, 2, 0]);
    await admit(fake.redis, keys, 'job-7', limits(3, 4, 1000));
    await admit(fake.redis, keys, 'job-8', limits(3, 4, 1000));
    // Defined once per connection (EVALSHA from then on), with the three keys.
    expect(fake.defined).toHaveBeenCalledTimes(1);
    expect(fake.defined).toHaveBeenCalledWith('pyexecAdmit', { lua: expect.stringContaining('ZREMRANGEBYSCORE') });
    expect(fake.command).toHaveBeenCalledTimes(2);
    const rest = fake.command.mock.calls[0] as unknown as string[];
    expect(rest).toEqual(['5', keys.waitList, keys.reservations, keys.keyJobs, ...keys.storedBytesCounters, '3', keys.jobKeyPrefix, String(Date.parse('2025-01-02T03:04:05Z')), '30000', 'job-7', '4', '86400000', '1000']);
    // Every argument is a string: Redis receives no numbers it could format differently.
    for (const arg of rest) expect(typeof arg).toBe('string');
  });

  it('reads {1, waiting, in flight} as admitted, with the jobs waiting before this one', async () => {
    await expect(admit(fakeRedis([1, 0, 0]).redis, keys, 'a', limits(3))).resolves.toEqual({ admitted: true, waiting: 0 });
    await expect(admit(fakeRedis([1, 2, 1]).redis, keys, 'b', limits(3, 4))).resolves.toEqual({ admitted: true, waiting: 2 });
  });

  it('reads {0, waiting} as refused by the queue, with the count that refused it', async () => {
    await expect(admit(fakeRedis([0, 3, 0]).redis, keys, 'c', limits(3))).resolves.toEqual({ admitted: false, refusedBy: 'queue', waiting: 3 });
    await expect(admit(fakeRedis([0, 9, 0]).redis, keys, 'd', limits(3))).resolves.toEqual({ admitted: false, refusedBy: 'queue', waiting: 9 });
  });

  it("reads {3, waiting, stored bytes} as refused by the key's storage budget", async () => {
    await expect(admit(fakeRedis([3, 0, 5000]).redis, keys, 'c', limits(0, 4, 4096))).resolves.toEqual({ admitted: false, refusedBy: 'storage', storedBytes: 5000 });
  });

  it("reads {2, waiting, in flight} as refused by the key's limit, with its jobs in flight", async () => {
    await expect(admit(fakeRedis([2, 0, 4]).redis, keys, 'c', limits(0, 4))).resolves.toEqual({ admitted: false, refusedBy: 'key', inFlight: 4 });
  });

  it('passes a Redis error on', async () => {
    const { redis, command } = fakeRedis(null);
    command.mockImplementation(async () => Promise.reject(new Error('connection closed')));
    await expect(admit(redis, keys, 'e', limits(3))).rejects.toThrow('connection closed');
  });

  it('releases a reservation by removing the job id from the reservations set', async () => {
    const fake = fakeRedis(null);
    await releaseReservation(fake.redis, keys, 'job-7');
    expect(fake.zrem).toHaveBeenCalledWith(keys.reservations, 'job-7');
  });
});
