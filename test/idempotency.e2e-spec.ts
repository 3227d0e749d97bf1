import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { KEY, OTHER_KEY, startTestApp, TestApp } from './support/test-app';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

/** Idempotency-Key: one job per (API key, key); repeats get that job, a different request is 422. */
describe('Idempotency-Key', () => {
  let t: TestApp;
  let redis: Redis;
  let receiver: WebhookReceiver;
  let hookUrl: string;

  beforeAll(async () => {
    t = await startTestApp('idempotency', { WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' });
    redis = new Redis(loadConfig({ ...process.env, API_KEYS: 'x' }).redisUrl);
    receiver = new WebhookReceiver();
    hookUrl = await receiver.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    redis.disconnect();
  });

  const execute = (body: object, key: string | undefined, apiKey = KEY) => {
    const call = request(t.url).post('/v1/code/execute/python').set('x-api-key', apiKey);
    return (key === undefined ? call : call.set('Idempotency-Key', key)).send(body);
  };

  /** Every execution job of this file's queue, whatever its state. */
  async function jobCount(): Promise<number> {
    const key = (name: string) => `${t.prefix}:python-execution:${name}`;
    const counts = await Promise.all([
      redis.zcard(key('completed')),
      redis.zcard(key('failed')),
      redis.zcard(key('delayed')),
      redis.llen(key('wait')),
      redis.llen(key('active')),
    ]);
    return counts.reduce((sum, n) => sum + n, 0);
  }

  it('runs two concurrent identical synchronous requests once: same job, same answer', async () => {
    const before = await jobCount();
    const body = { code: 'import time, random\ntime.sleep(0.5)\nreturn random.random()', id: 'sync-1' };
    const [first, second] = await Promise.all([execute(body, 'sync-key-1'), execute(body, 'sync-key-1')]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.job_id).toBe(first.body.job_id);
    expect(second.body.result).toBe(first.body.result);
    expect(await jobCount()).toBe(before + 1);
    // Exactly one of the two was the repeat.
    expect([first.headers['idempotent-replayed'], second.headers['idempotent-replayed']].filter(Boolean)).toEqual(['true']);
  });

  it('answers a later repeat with the stored answer, errors included', async () => {
    const body = { code: 'raise ValueError("once")' };
    const first = await execute(body, 'sync-error');
    expect(first.status).toBe(400);
    const before = await jobCount();
    const again = await execute(body, 'sync-error');
    expect(again.status).toBe(400);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await jobCount()).toBe(before);
  });

  it('gives an async repeat the same job_id, and delivers one webhook', async () => {
    const before = await jobCount();
    const body = { code: 'return 41 + 1', webhook_url: hookUrl, id: 'async-1' };
    const first = await execute(body, 'async-key');
    expect(first.status).toBe(202);
    const second = await execute({ id: 'async-1', webhook_url: hookUrl, code: 'return 41 + 1' }, 'async-key'); // key order differs
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ job_id: first.body.job_id, id: 'async-1', message: 'processing' });
    expect(second.headers['idempotent-replayed']).toBe('true');
    await waitUntil(async () => {
      const res = await request(t.url).get(`/v1/jobs/${first.body.job_id}`).set('x-api-key', KEY);
      return res.body.webhook?.status === 'delivered' ? true : undefined;
    });
    const third = await execute(body, 'async-key');
    expect(third.body.job_id).toBe(first.body.job_id);
    // Time for a second delivery to show up, were there one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.filter((hook) => hook.headers['x-webhook-id'] === first.body.job_id)).toHaveLength(1);
    expect(await jobCount()).toBe(before + 1);
  });

  it('refuses the same key with a different request with 422', async () => {
    const first = await execute({ code: 'return 1' }, 'reused-key');
    expect(first.status).toBe(200);
    const other = await execute({ code: 'return 2' }, 'reused-key');
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ error: 'This Idempotency-Key was already used with a different request' });
  });

  it('scopes keys by API key: another API key with the same Idempotency-Key gets its own job', async () => {
    const body = { code: 'return "mine"' };
    const mine = await execute(body, 'shared-key');
    const theirs = await execute(body, 'shared-key', OTHER_KEY);
    expect(mine.status).toBe(200);
    expect(theirs.status).toBe(200);
    expect(theirs.body.job_id).not.toBe(mine.body.job_id);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    // ...and a different request under that key is fine for the other API key too.
    expect((await execute({ code: 'return 3' }, 'reused-key', OTHER_KEY)).status).toBe(200);
  });

  it('runs every request without the header', async () => {
    const body = { code: 'return 5' };
    const [a, b] = await Promise.all([execute(body, undefined), execute(body, undefined)]);
    expect(a.body.job_id).not.toBe(b.body.job_id);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['non-ASCII', 'clé'],
  ])('refuses a key that is %s with 400', async (_name, key) => {
    const res = await request(t.url)
      .post('/v1/code/execute/python')
      .set('x-api-key', KEY)
      .set('Idempotency-Key', Buffer.from(key, 'utf8').toString('latin1'))
      .send({ code: 'return 1' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Invalid Idempotency-Key header: it must be 1 to 255 printable ASCII characters' });
  });

  it('accepts a key of 255 printable characters', async () => {
    const res = await execute({ code: 'return 1' }, ' !~'.repeat(85));
    expect(res.status).toBe(200);
  });

  it('frees the key when the request is refused without a job (invalid body keeps nothing)', async () => {
    const invalid = await execute({ code: 'return 1', timeout: 0 }, 'after-invalid');
    expect(invalid.status).toBe(400);
    const valid = await execute({ code: 'return 9' }, 'after-invalid');
    expect(valid.status).toBe(200);
    expect(valid.body.result).toBe(9);
  });

  it('is atomic across API processes: two processes on one Redis give concurrent repeats one job', async () => {
    const second = await startTestApp('idempotency', { QUEUE_PREFIX: t.prefix, WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' });
    try {
      const before = await jobCount();
      const body = { code: 'import time\ntime.sleep(0.3)\nreturn "one"' };
      const send = (url: string) => request(url).post('/v1/code/execute/python').set('x-api-key', KEY).set('Idempotency-Key', 'two-processes').send(body);
      const answers = await Promise.all([send(t.url), send(second.url), send(t.url), send(second.url)]);
      expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200]);
      expect(new Set(answers.map((res) => res.body.job_id)).size).toBe(1);
      expect(await jobCount()).toBe(before + 1);
    } finally {
      await second.close(true);
    }
  });
});
