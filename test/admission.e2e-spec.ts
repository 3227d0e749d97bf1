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
    keys = { waitList: `${base}wait`, jobKeyPrefix: base, reservations: `${base}admissions` };
  });
  afterAll(async () => {
    await cleanPrefix(REDIS_URL, prefix);
    redis.disconnect();
  });

  const reservations = () => redis.zrange(keys.reservations, 0, -1);

  it('admits exactly max out of many concurrent admissions from separate connections', async () => {
    const clients = Array.from({ length: 8 }, () => new Redis(REDIS_URL));
    try {
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => admit(clients[i % clients.length], keys, `job-${i}`, 5)));
      const admitted = decisions.filter((d) => d.admitted);
      expect(admitted).toHaveLength(5);
      expect(admitted.map((d) => d.waiting).sort()).toEqual([0, 1, 2, 3, 4]);
      for (const refused of decisions.filter((d) => !d.admitted)) expect(refused.waiting).toBe(5);
      expect(await reservations()).toHaveLength(5);
    } finally {
      clients.forEach((client) => client.disconnect());
    }
  });

  it('counts the wait list with the reservations', async () => {
    await redis.rpush(keys.waitList, 'w1', 'w2');
    expect(await admit(redis, keys, 'a', 3)).toEqual({ admitted: true, waiting: 2 });
    expect(await admit(redis, keys, 'b', 3)).toEqual({ admitted: false, waiting: 3 });
    expect(await reservations()).toEqual(['a']);
  });

  it('frees the place of a released reservation', async () => {
    expect((await admit(redis, keys, 'a', 1)).admitted).toBe(true);
    expect(await admit(redis, keys, 'b', 1)).toEqual({ admitted: false, waiting: 1 });
    await releaseReservation(redis, keys, 'a');
    expect(await reservations()).toEqual([]);
    expect(await admit(redis, keys, 'b', 1)).toEqual({ admitted: true, waiting: 0 });
  });

  it('drops the reservation of a job that was added (its hash exists), counting it through the wait list', async () => {
    expect((await admit(redis, keys, 'added', 2)).admitted).toBe(true);
    // What queue.add does: the job's hash, and the job in the wait list.
    await redis.hset(`${keys.jobKeyPrefix}added`, 'data', '{}');
    await redis.rpush(keys.waitList, 'added');
    // Counted once (wait list), not twice (wait list + reservation).
    expect(await admit(redis, keys, 'next', 2)).toEqual({ admitted: true, waiting: 1 });
    expect(await reservations()).toEqual(['next']);
    // Once the job leaves the wait list (a worker took it), its place is free.
    await redis.lrem(keys.waitList, 0, 'added');
    expect(await admit(redis, keys, 'third', 2)).toEqual({ admitted: true, waiting: 1 });
  });

  it('expires reservations older than the TTL (an API process that died before adding its job)', async () => {
    const now = Date.now();
    await redis.zadd(keys.reservations, now - RESERVATION_TTL_MS - 1000, 'dead-1', now - RESERVATION_TTL_MS - 1, 'dead-2', now - 1000, 'alive');
    expect(await admit(redis, keys, 'new', 2)).toEqual({ admitted: true, waiting: 1 });
    expect((await reservations()).sort()).toEqual(['alive', 'new']);
    expect(await admit(redis, keys, 'refused', 2)).toEqual({ admitted: false, waiting: 2 });
  });
});
