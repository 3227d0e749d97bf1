import Redis from 'ioredis';
import { loadConfig } from '../src/config/app-config';
import { OTHER_KEY, startTestApp, TestApp } from './support/test-app';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Fairness between keys (docs/operations.md): a key holds at most MAX_JOBS_PER_KEY jobs in flight,
 * and WORKER_CONCURRENCY above that leaves slots to the other keys. Here 2 per key, 3 slots.
 */
describe('fairness: MAX_JOBS_PER_KEY', () => {
  let t: TestApp;
  let redis: Redis;
  let receiver: WebhookReceiver;
  let hookUrl: string;
  const running = () => redis.llen(`${t.prefix}:python-execution:active`);

  beforeAll(async () => {
    t = await startTestApp('fairness', { MAX_JOBS_PER_KEY: '2', WORKER_CONCURRENCY: '3', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' });
    redis = new Redis(loadConfig({ ...process.env, API_KEYS: 'x' }).redisUrl);
    receiver = new WebhookReceiver();
    hookUrl = await receiver.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    redis.disconnect();
  });

  it("refuses a key's job past its limit with 429, while another key's jobs run at once; a finished job frees the place", async () => {
    // Key A: two programs that hold their slots until their timeout.
    const held = [1, 2].map(() => t.execute({ code: 'import time\ntime.sleep(60)', timeout: 4 }).then((res) => res));
    await waitUntil(async () => ((await running()) === 2 ? true : undefined), 20_000, "key A's two jobs running");

    const refusedSync = await t.execute({ code: 'return 1' });
    const refusedAsync = await t.execute({ code: 'return 1', webhook_url: hookUrl });
    for (const res of [refusedSync, refusedAsync]) {
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ error: 'Too many jobs in flight for this API key: 2 (MAX_JOBS_PER_KEY 2)', jobs_in_flight: 2, max_jobs_per_key: 2 });
    }

    // Key B is not held up by A: its jobs get the free slot and answer while A's still run.
    for (let i = 0; i < 3; i++) {
      const res = await t.execute({ code: `return ${i}` }, OTHER_KEY);
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(i);
    }
    expect(await running()).toBe(2);

    const ended = await Promise.all(held);
    for (const res of ended) expect(res.body.exit_code).not.toBe(0);
    const again = await t.execute({ code: 'return "again"' });
    expect(again.status).toBe(200);
    expect(again.body.result).toBe('again');
  });
});
