import Redis from 'ioredis';
import { loadConfig } from '../src/config/app-config';
import { admit, AdmissionKeys, releaseReservation } from '../src/queue/admission';
import { cleanPrefix, uniquePrefix } from './support/test-app';

/**
 * The admission script on a real Redis, without the service: the edge cases test/queue.e2e-spec.ts
 * cannot reach through HTTP (released and expired reservations, a job that was added).
 */
const REDIS_URL = process.env.REDIS_URL ?? loadConfig({ ...process.env, API_KEYS: 'x' }).redisUrl;
const RESERVATION_TTL_MS = 30_000;
const queueOnly = (maxWaiting: number) => ({ maxWaiting, maxPerKey: 0, keyJobsTtlMs: 60_000, maxStoredBytes: 0 });
const perKey = (maxPerKey: number) => ({ maxWaiting: 0, maxPerKey, keyJobsTtlMs: 60_000, maxStoredBytes: 0 });

describe('admission on Redis', () => {
  const prefix = uniquePrefix('admission');
  let redis: Redis;
  let keys: AdmissionKeys;
  let test = 0;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(() => {
    // Each test its own queue keys under the file's prefix.
    const base = `${prefix}:q${++test}:`;
    keys = { waitList: `${base}wait`, jobKeyPrefix: base, reservations: `${base}admissions`, keyJobs: `${base}key-jobs:k1`, storedBytesCounters: [`${base}stored-bytes:k1:1`, `${base}stored-bytes:k1:2`] };
  });
  afterAll(async () => {
    await cleanPrefix(REDIS_URL, prefix);
    redis.disconnect();
  });

  const reservations = () => redis.zrange(keys.reservations, 0, -1);

  it('admits exactly max out of many concurrent admissions from separate connections', async () => {
    const clients = Array.from({ length: 8 }, () => new Redis(REDIS_URL));
    try {
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => admit(clients[i % clients.length], keys, `job-${i}`, queueOnly(5))));
      const admitted = decisions.filter((d) => d.admitted);
      expect(admitted).toHaveLength(5);
      expect(admitted.map((d) => d.waiting).sort()).toEqual([0, 1, 2, 3, 4]);
      for (const refused of decisions.filter((d) => !d.admitted)) expect(refused).toEqual({ admitted: false, refusedBy: 'queue', waiting: 5 });
      expect(await reservations()).toHaveLength(5);
    } finally {
      clients.forEach((client) => client.disconnect());
    }
  });

  it('counts the wait list with the reservations', async () => {
    await redis.rpush(keys.waitList, 'w1', 'w2');
    expect(await admit(redis, keys, 'a', queueOnly(3))).toEqual({ admitted: true, waiting: 2 });
    expect(await admit(redis, keys, 'b', queueOnly(3))).toEqual({ admitted: false, refusedBy: 'queue', waiting: 3 });
    expect(await reservations()).toEqual(['a']);
  });

  it('frees the place of a released reservation', async () => {
    expect((await admit(redis, keys, 'a', queueOnly(1))).admitted).toBe(true);
    expect(await admit(redis, keys, 'b', queueOnly(1))).toEqual({ admitted: false, refusedBy: 'queue', waiting: 1 });
    await releaseReservation(redis, keys, 'a');
    expect(await reservations()).toEqual([]);
    expect(await admit(redis, keys, 'b', queueOnly(1))).toEqual({ admitted: true, waiting: 0 });
  });

  it('drops the reservation of a job that was added (its hash exists), counting it through the wait list', async () => {
    expect((await admit(redis, keys, 'added', queueOnly(2))).admitted).toBe(true);
    // What queue.add does: the job's hash, and the job in the wait list.
    await redis.hset(`${keys.jobKeyPrefix}added`, 'data', '{}');
    await redis.rpush(keys.waitList, 'added');
    // Counted once (wait list), not twice (wait list + reservation).
    expect(await admit(redis, keys, 'next', queueOnly(2))).toEqual({ admitted: true, waiting: 1 });
    expect(await reservations()).toEqual(['next']);
    // Once the job leaves the wait list (a worker took it), its place is free.
    await redis.lrem(keys.waitList, 0, 'added');
    expect(await admit(redis, keys, 'third', queueOnly(2))).toEqual({ admitted: true, waiting: 1 });
  });

  it('expires reservations older than the TTL (an API process that died before adding its job)', async () => {
    const now = Date.now();
    await redis.zadd(keys.reservations, now - RESERVATION_TTL_MS - 1000, 'dead-1', now - RESERVATION_TTL_MS - 1, 'dead-2', now - 1000, 'alive');
    expect(await admit(redis, keys, 'new', queueOnly(2))).toEqual({ admitted: true, waiting: 1 });
    expect((await reservations()).sort()).toEqual(['alive', 'new']);
    expect(await admit(redis, keys, 'refused', queueOnly(2))).toEqual({ admitted: false, refusedBy: 'queue', waiting: 2 });
  });

  const keyJobs = () => redis.zrange(keys.keyJobs, 0, -1);

  it("admits exactly a key's limit out of many concurrent admissions, and another key's jobs beside them", async () => {
    const clients = Array.from({ length: 8 }, () => new Redis(REDIS_URL));
    try {
      const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => admit(clients[i % clients.length], keys, `job-${i}`, perKey(4))));
      expect(decisions.filter((d) => d.admitted)).toHaveLength(4);
      for (const refused of decisions.filter((d) => !d.admitted)) expect(refused).toEqual({ admitted: false, refusedBy: 'key', inFlight: 4 });
      const other = { ...keys, keyJobs: `${keys.keyJobs}-other` };
      expect((await admit(redis, other, 'other-1', perKey(4))).admitted).toBe(true);
      expect(await keyJobs()).toHaveLength(4);
      expect(await redis.pttl(keys.keyJobs)).toBeGreaterThan(0);
    } finally {
      clients.forEach((client) => client.disconnect());
    }
  });

  it("frees a key's place when its job finishes (completed or failed), not while it waits or runs", async () => {
    expect((await admit(redis, keys, 'a', perKey(2))).admitted).toBe(true);
    expect((await admit(redis, keys, 'b', perKey(2))).admitted).toBe(true);
    // Both added; a has started (processedOn), b waits: both still in flight.
    await redis.hset(`${keys.jobKeyPrefix}a`, 'data', '{}', 'processedOn', String(Date.now()));
    await redis.hset(`${keys.jobKeyPrefix}b`, 'data', '{}');
    expect(await admit(redis, keys, 'c', perKey(2))).toEqual({ admitted: false, refusedBy: 'key', inFlight: 2 });
    // What Bull's moveToFinished writes, for completed and failed jobs alike.
    await redis.hset(`${keys.jobKeyPrefix}a`, 'finishedOn', String(Date.now()));
    expect((await admit(redis, keys, 'c', perKey(2))).admitted).toBe(true);
    expect((await keyJobs()).sort()).toEqual(['b', 'c']);
  });

  it("drops a key's job that never appeared or is gone from Redis once the reservation TTL has passed", async () => {
    const now = Date.now();
    // No hash for any of them: an API process that died before its add, or a job lost from Redis.
    await redis.zadd(keys.keyJobs, now - RESERVATION_TTL_MS - 1, 'dead', now - 1000, 'being-added');
    expect(await admit(redis, keys, 'new', perKey(2))).toEqual({ admitted: true, waiting: 0 });
    expect((await keyJobs()).sort()).toEqual(['being-added', 'new']);
  });

  it('answers a full queue as a full queue, whatever the key holds', async () => {
    await redis.rpush(keys.waitList, 'w1');
    await redis.zadd(keys.keyJobs, Date.now(), 'held');
    expect(await admit(redis, keys, 'x', { maxWaiting: 1, maxPerKey: 1, keyJobsTtlMs: 60_000, maxStoredBytes: 0 })).toEqual({ admitted: false, refusedBy: 'queue', waiting: 1 });
    // With room in the queue the key's limit refuses it, and no reservation is left behind.
    expect(await admit(redis, keys, 'y', { maxWaiting: 2, maxPerKey: 1, keyJobsTtlMs: 60_000, maxStoredBytes: 0 })).toEqual({ admitted: false, refusedBy: 'key', inFlight: 1 });
    expect(await reservations()).toEqual([]);
  });

  it("refuses a key whose live stored-bytes counters add up to its budget, before its jobs in flight count", async () => {
    const limits = { maxWaiting: 0, maxPerKey: 1, keyJobsTtlMs: 60_000, maxStoredBytes: 1000 };
    await redis.set(keys.storedBytesCounters[0], '600');
    expect((await admit(redis, keys, 'a', limits)).admitted).toBe(true);
    await redis.set(keys.storedBytesCounters[1], '400');
    expect(await admit(redis, keys, 'b', limits)).toEqual({ admitted: false, refusedBy: 'storage', storedBytes: 1000 });
    // Refused by its budget, it took no place in flight.
    expect(await keyJobs()).toEqual(['a']);
  });
});
