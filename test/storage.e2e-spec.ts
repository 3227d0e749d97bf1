import Redis from 'ioredis';
import request from 'supertest';
import { KEY, startTestApp, TestApp } from './support/test-app';
import { OwnRedis } from './support/own-redis';
import { freePort } from './support/processes';

/**
 * Storage (issue 16): what the service answers when its Redis is full. The spec's own
 * redis-server runs with a small maxmemory and noeviction, as the deployments do.
 */

describe('a full Redis (maxmemory, noeviction)', () => {
  let redis: OwnRedis;
  let client: Redis;
  let t: TestApp;

  beforeAll(async () => {
    redis = new OwnRedis(await freePort(), ['--maxmemory', '16mb', '--maxmemory-policy', 'noeviction']);
    await redis.start();
    client = new Redis(redis.url);
    t = await startTestApp('storage-full', { REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    client.disconnect();
    await redis.remove();
  });

  it('answers 503 "Redis is full" to a submission and readiness says so; no key is dropped; both recover once room is made', async () => {
    const before = await t.execute({ code: 'return 1' });
    expect(before.status).toBe(200);

    // Fill it: 1 MiB values until Redis refuses one (it checks before each write).
    const fillers: string[] = [];
    for (;;) {
      const key = `${t.prefix}:filler:${fillers.length}`;
      const refusal = await client.set(key, Buffer.alloc(1024 * 1024, 1)).then(() => null, (error: Error) => error);
      if (refusal) {
        expect(refusal.message).toMatch(/^OOM command not allowed/);
        break;
      }
      fillers.push(key);
    }
    // A refused write frees its own buffer: keep Redis at its limit with maxmemory just below what it holds.
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    const max = used - 256 * 1024;
    await client.config('SET', 'maxmemory', String(max));
    const refused = await t.execute({ code: 'return 2' });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'Queue unavailable: Redis is full (maxmemory reached); try again later' });
    const ready = await request(t.url).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error).toBe('Not ready: redis');
    expect(ready.body.details.redis).toMatchObject({
      status: 'down',
      message: expect.stringMatching(new RegExp(`^Redis is full: used_memory \\d+ >= maxmemory ${max}, writes are refused$`)),
      memory: { max_bytes: max, policy: 'noeviction' },
    });
    // noeviction: the finished job is still there.
    const kept = await request(t.url).get(`/v1/jobs/${before.body.job_id}`).set('x-api-key', KEY);
    expect(kept.status).toBe(200);
    expect(kept.body.response.result).toBe(1);

    await client.del(...fillers);
    expect((await request(t.url).get('/health/ready')).status).toBe(200);
    const after = await t.execute({ code: 'return 3' });
    expect(after.status).toBe(200);
    expect(after.body.result).toBe(3);
  }, 60_000);
});
