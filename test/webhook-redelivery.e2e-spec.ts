import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { KEY, OTHER_KEY, startTestApp, TestApp } from './support/test-app';
import { waitUntil } from './support/wait';
import { ReceivedHook, WebhookReceiver } from './support/webhook-receiver';

function jobStatus(t: TestApp, jobId: string, key = KEY) {
  return request(t.url).get(`/v1/jobs/${jobId}`).set('x-api-key', key);
}

function redeliver(t: TestApp, jobId: string, key = KEY) {
  return request(t.url).post(`/v1/jobs/${jobId}/webhook`).set('x-api-key', key);
}

/** Resolves when the job's webhook reached a final state. */
function webhookSettled(t: TestApp, jobId: string) {
  return waitUntil(async () => {
    const res = await jobStatus(t, jobId);
    return res.status === 200 && res.body.webhook && res.body.webhook.status !== 'pending' ? res.body : undefined;
  }, 30_000);
}

/** A receiver whose answer to each job is set per request id: a status, or a plan by attempt. */
function plannedReceiver() {
  const receiver = new WebhookReceiver();
  const plans = new Map<string, (attempt: number) => number | 'hang'>();
  receiver.respond = (hook) => {
    const plan = plans.get(hook.body?.id);
    const attempt = receiver.received.filter((h) => h.body?.job_id === hook.body?.job_id).length;
    return plan ? plan(attempt) : 200;
  };
  const hooksFor = (jobId: string): ReceivedHook[] => receiver.received.filter((hook) => hook.headers['x-webhook-id'] === jobId);
  return { receiver, plans, hooksFor };
}

describe('webhook retries with the default WEBHOOK_MAX_ATTEMPTS', () => {
  let t: TestApp;
  const { receiver, plans, hooksFor } = plannedReceiver();
  let hookUrl: string;

  beforeAll(async () => {
    t = await startTestApp('redeliver-retry', { WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true', WEBHOOK_RETRY_BASE_MS: '20' });
    hookUrl = await receiver.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it('delivers after 6 answers of 500 (more than the old default of 5 attempts): the job status shows 7 attempts', async () => {
    plans.set('flaky', (attempt) => (attempt <= 6 ? 500 : 200));
    const res = await t.execute({ code: 'return "late"', webhook_url: hookUrl, id: 'flaky' });
    expect(res.status).toBe(202);
    const settled = await webhookSettled(t, res.body.job_id);
    expect(settled.webhook).toEqual({ status: 'delivered', attempts: 7, last_error: 'receiver answered 500' });
    const hooks = hooksFor(res.body.job_id);
    expect(hooks).toHaveLength(7);
    expect(new Set(hooks.map((hook) => hook.rawBody)).size).toBe(1);
    expect(hooks[6].body.response.result).toBe('late');
  });
});

describe('webhook give-up and redelivery (POST /v1/jobs/{job_id}/webhook)', () => {
  let t: TestApp;
  const { receiver, plans, hooksFor } = plannedReceiver();
  let hookUrl: string;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp('redeliver', {
      WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
      WEBHOOK_MAX_ATTEMPTS: '2',
      // The retry waits 0.75 to 1.5 s: long enough to see it scheduled.
      WEBHOOK_RETRY_BASE_MS: '1500',
      WEBHOOK_TIMEOUT_MS: '1000',
    });
    hookUrl = await receiver.start();
    redis = new Redis(loadConfig({ ...process.env, API_KEYS: 'x' }).redisUrl);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    redis.disconnect();
  });

  it('shows next_attempt_at while a retry is scheduled, fails after WEBHOOK_MAX_ATTEMPTS, then redelivers the same body under the same X-Webhook-Id', async () => {
    let up = false;
    plans.set('outage', () => (up ? 200 : 500));
    const res = await t.execute({ code: 'return {"n": 42}', webhook_url: hookUrl, id: 'outage' });
    expect(res.status).toBe(202);
    const jobId = res.body.job_id;

    const scheduled = await waitUntil(async () => {
      const status = await jobStatus(t, jobId);
      return status.body.webhook?.next_attempt_at ? status.body.webhook : undefined;
    });
    expect(scheduled).toMatchObject({ status: 'pending', attempts: 1, last_error: 'receiver answered 500' });
    const due = Date.parse(scheduled.next_attempt_at);
    const firstAt = hooksFor(jobId)[0].at;
    expect(due - firstAt).toBeGreaterThanOrEqual(700);
    expect(due - firstAt).toBeLessThanOrEqual(1600);

    // A retry is scheduled: the delivery is under way, so no redelivery.
    const early = await redeliver(t, jobId);
    expect(early.status).toBe(409);
    expect(Object.keys(early.body)).toEqual(['error']);

    const failed = await webhookSettled(t, jobId);
    expect(failed.webhook).toEqual({ status: 'failed', attempts: 2, last_error: 'receiver answered 500' });
    expect(hooksFor(jobId)).toHaveLength(2);

    up = true;
    const again = await redeliver(t, jobId);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ job_id: jobId, message: 'redelivering' });
    const delivered = await webhookSettled(t, jobId);
    expect(delivered.webhook).toEqual({ status: 'delivered', attempts: 1 });
    const hooks = hooksFor(jobId);
    expect(hooks).toHaveLength(3);
    expect(hooks[2].headers['x-webhook-id']).toBe(jobId);
    expect(hooks[2].rawBody).toBe(hooks[0].rawBody);
    expect(hooks[2].body.response.result).toEqual({ n: 42 });
  });

  it('redelivers a delivered webhook whose delivery record expired, rebuilding the same body from the job', async () => {
    const res = await t.execute({ code: 'return "kept"', webhook_url: hookUrl, id: 'expired' });
    expect(res.status).toBe(202);
    const jobId = res.body.job_id;
    expect((await webhookSettled(t, jobId)).webhook).toEqual({ status: 'delivered', attempts: 1 });
    // What Bull's removeOnComplete does once the delivery is older than JOB_TTL_SECONDS.
    const key = (name: string) => `${t.prefix}:webhook-delivery:${name}`;
    await redis.multi().del(key(jobId), key(`${jobId}:logs`)).zrem(key('completed'), jobId).exec();
    expect((await jobStatus(t, jobId)).body.webhook).toEqual({ status: 'pending', attempts: 0 });

    const again = await redeliver(t, jobId);
    expect(again.status).toBe(202);
    expect((await webhookSettled(t, jobId)).webhook).toEqual({ status: 'delivered', attempts: 1 });
    const hooks = hooksFor(jobId);
    expect(hooks).toHaveLength(2);
    expect(hooks[1].headers['x-webhook-id']).toBe(jobId);
    expect(hooks[1].rawBody).toBe(hooks[0].rawBody);
  });

  it('starts one series for two concurrent redeliveries: one 202, one 409', async () => {
    let hang = false;
    plans.set('twice', () => (hang ? 'hang' : 200));
    const res = await t.execute({ code: 'return 7', webhook_url: hookUrl, id: 'twice' });
    expect(res.status).toBe(202);
    const jobId = res.body.job_id;
    expect((await webhookSettled(t, jobId)).webhook).toEqual({ status: 'delivered', attempts: 1 });
    // The redelivered attempt hangs, so the first redelivery's series is still under way when the second asks.
    hang = true;
    const answers = await Promise.all([redeliver(t, jobId), redeliver(t, jobId)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    await waitUntil(async () => (hooksFor(jobId).length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hooksFor(jobId)).toHaveLength(2);
  });

  it('answers 404 to another key and to an unknown id, and 409 to a job without a webhook or not finished yet', async () => {
    const delivered = await t.execute({ code: 'return 1', webhook_url: hookUrl, id: 'owned' });
    expect(delivered.status).toBe(202);
    await webhookSettled(t, delivered.body.job_id);
    const other = await redeliver(t, delivered.body.job_id, OTHER_KEY);
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: `Job ${delivered.body.job_id} not found` });
    const unknown = await redeliver(t, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);

    const sync = await t.execute({ code: 'return 1' });
    expect(sync.status).toBe(200);
    const noHook = await redeliver(t, sync.body.job_id);
    expect(noHook.status).toBe(409);
    expect(noHook.body).toEqual({ error: `Job ${sync.body.job_id} was submitted without a webhook_url` });

    const slow = await t.execute({ code: 'import time\ntime.sleep(2)\nreturn 1', webhook_url: hookUrl, id: 'slow' });
    expect(slow.status).toBe(202);
    const running = await redeliver(t, slow.body.job_id);
    expect(running.status).toBe(409);
    expect(running.body).toEqual({ error: `Job ${slow.body.job_id} has not finished yet` });

    expect((await request(t.url).post(`/v1/jobs/${sync.body.job_id}/webhook`)).status).toBe(401);
  });
});
