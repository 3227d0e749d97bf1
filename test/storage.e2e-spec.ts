import Redis from 'ioredis';
import request from 'supertest';
import { KEY, OTHER_KEY, startTestApp, TestApp } from './support/test-app';
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
    try {
      await t?.close();
    } finally {
      client?.disconnect();
      await redis.remove();
    }
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

describe('retention and the storage budget per API key (MAX_STORED_BYTES_PER_KEY)', () => {
  const budget = 1_000_000;
  let t: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp('storage-budget', { MAX_STORED_BYTES_PER_KEY: String(budget), JOB_TTL_SECONDS: '3600' });
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  }, 60_000);
  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  const print = (bytes: number) => ({ code: `import sys\nsys.stdout.write("x" * ${bytes})` });

  it("counts each key's stored results, expires finished jobs after JOB_TTL_SECONDS, and answers 429 past the budget", async () => {
    const first = await t.execute(print(600_000));
    expect(first.status).toBe(200);
    // Exact retention: the finished job's hash expires JOB_TTL_SECONDS after it ended; its result,
    // stored once in its own key, a minute later. Bull's return value only points at it.
    const jobKey = `${t.prefix}:python-execution:${first.body.job_id}`;
    const ttl = await redis.pttl(jobKey);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    const resultTtl = await redis.pttl(`${jobKey}:result`);
    expect(resultTtl).toBeGreaterThan(ttl);
    expect(resultTtl).toBeLessThanOrEqual(3_660_000);
    const stored = JSON.parse((await redis.get(`${jobKey}:result`))!);
    expect(stored).toMatchObject({ status: 200, kind: 'ok', body: { job_id: first.body.job_id } });
    expect(stored.body.stdout).toBe(first.body.stdout);
    expect(JSON.parse((await redis.hget(jobKey, 'returnvalue'))!)).toEqual({ status: 200, kind: 'ok', bytes: Buffer.byteLength(JSON.stringify(stored)) });
    expect(Number(await redis.hstrlen(jobKey, 'returnvalue'))).toBeLessThan(100);
    // Self-healing counters: each expires on its own, at most a bucket (TTL/24) and 5 min after its results.
    const counters = await redis.keys(`${t.prefix}:python-execution:stored-bytes:*`);
    expect(counters.length).toBe(2); // this key's and all keys'
    for (const counter of counters) {
      expect(Number(await redis.get(counter))).toBeGreaterThan(600_000);
      const counterTtl = await redis.ttl(counter);
      expect(counterTtl).toBeGreaterThan(3600);
      expect(counterTtl).toBeLessThanOrEqual(3600 + 150 + 300);
    }

    expect((await t.execute(print(600_000))).status).toBe(200);
    const refused = await t.execute(print(10));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: expect.stringMatching(/^Storage budget exceeded: this API key's results hold \d+ bytes \(MAX_STORED_BYTES_PER_KEY 1000000\); they expire JOB_TTL_SECONDS after their jobs ended$/),
      stored_bytes: expect.any(Number),
      max_stored_bytes: budget,
    });
    expect(refused.body.stored_bytes).toBeGreaterThan(1_200_000);
    // Async submissions are refused the same way; another key is not.
    const async = await t.execute({ ...print(10), webhook_url: 'https://example.com/hook' });
    expect(async.status).toBe(429);
    const other = await t.execute(print(10), OTHER_KEY);
    expect(other.status).toBe(200);

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const storedTotal = Number(/^pyexec_stored_result_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(storedTotal).toBeGreaterThan(1_200_000);
    const perKey = [...metrics.matchAll(/^pyexec_result_bytes_total\{key="[^"]+"\} (\d+)$/gm)].map((match) => Number(match[1]));
    expect(perKey.reduce((sum, bytes) => sum + bytes, 0)).toBe(storedTotal);
    expect(metrics).toMatch(/^pyexec_executions_total\{outcome="rejected",key="[^"]+"\} 2$/m);
  }, 60_000);
});
