import Redis from 'ioredis';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { KEY, OTHER_KEY, startTestApp, TestApp } from './support/test-app';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

const SECRET = 'test-webhook-secret';

function jobStatus(t: TestApp, jobId: string, key = KEY) {
  return request(t.url).get(`/v1/jobs/${jobId}`).set('x-api-key', key);
}

/** Resolves when the job's webhook reached a final state. */
function webhookSettled(t: TestApp, jobId: string) {
  return waitUntil(async () => {
    const res = await jobStatus(t, jobId);
    return res.status === 200 && res.body.webhook && res.body.webhook.status !== 'pending' ? res.body : undefined;
  });
}

describe('webhook delivery', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hookUrl: string;
  const plans = new Map<string, (attempt: number) => number | 'hang'>();
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp('webhooks', {
      // 50 async jobs of one key at once on purpose: no per-key limit (fairness has its own spec).
      MAX_JOBS_PER_KEY: '0',
      WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_MAX_ATTEMPTS: '4',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_TIMEOUT_MS: '500',
    });
    receiver = new WebhookReceiver();
    // Each test names its plan in the request id; attempts are counted per job.
    receiver.respond = (hook) => {
      const plan = plans.get(hook.body?.id);
      const attempt = receiver.received.filter((h) => h.body?.job_id === hook.body?.job_id).length;
      return plan ? plan(attempt) : 200;
    };
    hookUrl = await receiver.start();
    redis = new Redis(loadConfig({ ...process.env, API_KEYS: 'x' }).redisUrl);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    redis.disconnect();
  });

  /** Where Bull keeps a delivery job: whether it is done for good, or another attempt is still to come. */
  async function deliveryQueueState(jobId: string) {
    const key = (name: string) => `${t.prefix}:webhook-delivery:${name}`;
    const [failed, completed, delayed, waiting, active, attemptsMade] = await Promise.all([
      redis.zscore(key('failed'), jobId),
      redis.zscore(key('completed'), jobId),
      redis.zscore(key('delayed'), jobId),
      redis.lpos(key('wait'), jobId),
      redis.lpos(key('active'), jobId),
      redis.hget(key(jobId), 'attemptsMade'),
    ]);
    return { failed: failed !== null, completed: completed !== null, delayed: delayed !== null, waiting: waiting !== null, active: active !== null, attemptsMade: Number(attemptsMade) };
  }

  const hooksFor = (jobId: string) => receiver.received.filter((hook) => hook.headers['x-webhook-id'] === jobId);

  it('signs the delivery: X-Webhook-Signature verifies against the raw body and timestamp', async () => {
    const res = await t.execute({ code: 'return 1', webhook_url: hookUrl, id: 'signed' });
    expect(res.status).toBe(202);
    const settled = await webhookSettled(t, res.body.job_id);
    expect(settled.webhook).toEqual({ status: 'delivered', attempts: 1 });
    const [hook] = hooksFor(res.body.job_id);
    const timestamp = hook.headers['x-webhook-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${hook.rawBody}`).digest('hex')}`;
    expect(hook.headers['x-webhook-signature']).toBe(expected);
    expect(hook.body.response.result).toBe(1);
  });

  it('retries 500, 500 and succeeds once on attempt 3; the job status shows 3 attempts', async () => {
    plans.set('flaky', (attempt) => (attempt < 3 ? 500 : 200));
    const res = await t.execute({ code: 'return "x"', webhook_url: hookUrl, id: 'flaky' });
    expect(res.status).toBe(202);
    const settled = await webhookSettled(t, res.body.job_id);
    expect(settled.webhook).toMatchObject({ status: 'delivered', attempts: 3 });
    const hooks = hooksFor(res.body.job_id);
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((hook) => hook.rawBody)).size).toBe(1);
    expect(settled).toMatchObject({ status: 'completed', code: 200, id: 'flaky' });
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS when the receiver always answers 500, and the result stays', async () => {
    plans.set('down', () => 500);
    const res = await t.execute({ code: 'return 2', webhook_url: hookUrl, id: 'down' });
    expect(res.status).toBe(202);
    const settled = await webhookSettled(t, res.body.job_id);
    expect(settled.webhook).toEqual({ status: 'failed', attempts: 4, last_error: 'receiver answered 500' });
    expect(hooksFor(res.body.job_id)).toHaveLength(4);
    expect(settled).toMatchObject({ status: 'completed', code: 200, response: { result: 2 } });
  });

  it('does not retry a 404', async () => {
    plans.set('gone', () => 404);
    const res = await t.execute({ code: 'pass', webhook_url: hookUrl, id: 'gone' });
    expect(res.status).toBe(202);
    const settled = await webhookSettled(t, res.body.job_id);
    expect(settled.webhook).toEqual({ status: 'failed', attempts: 1, last_error: 'receiver answered 404' });
    // No second attempt can come: Bull holds the delivery as failed for good, with nothing delayed or waiting.
    expect(await deliveryQueueState(res.body.job_id)).toEqual({ failed: true, completed: false, delayed: false, waiting: false, active: false, attemptsMade: 1 });
    expect(hooksFor(res.body.job_id)).toHaveLength(1);
  });

  it('retries a receiver that never answers', async () => {
    plans.set('slow', (attempt) => (attempt === 1 ? 'hang' : 200));
    const res = await t.execute({ code: 'pass', webhook_url: hookUrl, id: 'slow' });
    expect(res.status).toBe(202);
    const settled = await webhookSettled(t, res.body.job_id);
    expect(settled.webhook).toMatchObject({ status: 'delivered', attempts: 2, last_error: 'no answer within the attempt timeout' });
    expect(hooksFor(res.body.job_id)).toHaveLength(2);
  });

  it('delivers 50 async jobs exactly once each', async () => {
    const started = Date.now();
    const submissions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.execute({ code: `return ${i}`, webhook_url: hookUrl, id: `bulk-${i}` })),
    );
    expect(submissions.every((res) => res.status === 202)).toBe(true);
    const ids = new Set(submissions.map((res) => res.body.job_id));
    await waitUntil(async () => ([...ids].every((id) => hooksFor(id).length >= 1) ? true : undefined), 60_000);
    const drainMs = Date.now() - started;
    const delivered = receiver.received.filter((hook) => ids.has(hook.headers['x-webhook-id'] as string));
    expect(delivered).toHaveLength(50);
    expect(new Set(delivered.map((hook) => hook.headers['x-webhook-id'])).size).toBe(50);
    for (const hook of delivered) expect(hook.body.response.result).toBe(Number(hook.body.id.split('-')[1]));
    console.log(`50 async jobs: ${delivered.length} deliveries, 0 duplicates, drained in ${drainMs} ms`);
  });
});

describe('webhook delivery across a restart', () => {
  it('delivers a retry that was pending while the service was down', async () => {
    const receiver = new WebhookReceiver();
    receiver.respond = (_hook, attempt) => (attempt === 1 ? 503 : 200);
    const hookUrl = await receiver.start();
    const env = { WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true', WEBHOOK_RETRY_BASE_MS: '3000' };
    const first = await startTestApp('restart', env);
    const res = await first.execute({ code: 'return "survived"', webhook_url: hookUrl });
    expect(res.status).toBe(202);
    await receiver.waitFor(1);
    await first.close(true);
    const second = await startTestApp('restart', { ...env, QUEUE_PREFIX: first.prefix });
    try {
      const settled = await webhookSettled(second, res.body.job_id);
      expect(settled.webhook).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[1].body.response.result).toBe('survived');
    } finally {
      await second.close();
      await receiver.stop();
    }
  });
});

describe('job status', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('jobs');
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows a synchronous job with its answer and times', async () => {
    const run = await t.execute({ code: 'print("hi")\nreturn 5', id: 'mine' });
    expect(run.status).toBe(200);
    const res = await jobStatus(t, run.body.job_id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job_id: run.body.job_id, id: 'mine', status: 'completed', code: 200, response: run.body });
    expect(res.body).not.toHaveProperty('webhook');
    const created = Date.parse(res.body.created_at);
    expect(Date.parse(res.body.started_at)).toBeGreaterThanOrEqual(created);
    expect(Date.parse(res.body.finished_at)).toBeGreaterThanOrEqual(Date.parse(res.body.started_at));
  });

  it('shows a failed run as completed with its 400 answer', async () => {
    const failed = await t.execute({ code: 'raise ValueError("no")' });
    expect(failed.status).toBe(400);
    const status = await jobStatus(t, failed.body.job_id);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: 'completed', code: 400, response: { error: 'ValueError: no' } });
  });

  it('shows an async job as running, then completed, with its webhook state', async () => {
    const res = await t.execute({ code: 'import time\ntime.sleep(1.5)\nreturn 3', webhook_url: 'https://example.com/webhook' });
    expect(res.status).toBe(202);
    const running = await waitUntil(async () => {
      const status = await jobStatus(t, res.body.job_id);
      return status.status === 200 && status.body.status === 'running' ? status.body : undefined;
    });
    expect(running).toMatchObject({ id: null, webhook: { status: 'pending', attempts: 0 } });
    expect(running).not.toHaveProperty('response');
    const completed = await waitUntil(async () => {
      const status = await jobStatus(t, res.body.job_id);
      return status.status === 200 && status.body.status === 'completed' ? status.body : undefined;
    });
    expect(completed).toMatchObject({ code: 200, response: { result: 3 } });
  });

  it('answers 404 to another key and to unknown ids, identically', async () => {
    const run = await t.execute({ code: 'return 1' });
    expect(run.status).toBe(200);
    const other = await jobStatus(t, run.body.job_id, OTHER_KEY);
    expect(other.status).toBe(404);
    const unknown = await jobStatus(t, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(Object.keys(other.body)).toEqual(['error']);
    expect(Object.keys(unknown.body)).toEqual(['error']);
  });

  it('needs a key', async () => {
    const res = await request(t.url).get('/v1/jobs/whatever');
    expect(res.status).toBe(401);
  });
});

describe('webhook address guard (private hosts not allowed)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('ssrf');
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    'http://127.0.0.1:9/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]:8080/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:7f00:1]/hook',
    'http://100.64.1.1/hook',
    'http://192.168.1.10/hook',
    'http://[fd00::1]/hook',
    'http://0.0.0.0/hook',
    'http://localhost:8080/hook',
  ])('refuses %s with 400', async (url) => {
    const res = await t.execute({ code: 'pass', webhook_url: url });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/private or reserved address/);
  });

  it("accepts a public host (the seed's example) with 202", async () => {
    const res = await t.execute({ code: "print('Hello, World!')", timeout: 10, webhook_url: 'https://example.com/webhook', id: 'request-123' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: 'request-123', message: 'processing', max_queue_length: null });
  });
});
