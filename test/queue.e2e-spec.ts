import Redis from 'ioredis';
import { loadConfig } from '../src/config/app-config';
import { startTestApp, TestApp } from './support/test-app';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

describe('queue: admission bound, async 202 and webhooks', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let hookUrl: string;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp('queue', { MAX_QUEUE_LENGTH: '3', WORKER_CONCURRENCY: '1', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' });
    receiver = new WebhookReceiver();
    hookUrl = await receiver.start();
    redis = new Redis(loadConfig({ ...process.env, API_KEYS: 'x' }).redisUrl);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    redis.disconnect();
  });

  it('accepts exactly MAX_QUEUE_LENGTH waiting jobs out of 20 concurrent requests while the worker is busy', async () => {
    const busy = t.execute({ code: 'import time\ntime.sleep(3)\nreturn "done"' }).then((res) => res);
    const active = `${t.prefix}:python-execution:active`;
    await waitUntil(async () => ((await redis.llen(active)) === 1 ? true : undefined), 15_000, 'the long job running');

    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.execute({ code: `return ${i}`, webhook_url: hookUrl, id: `burst-${i}` })),
    );
    const accepted = burst.filter((res) => res.status === 202);
    const rejected = burst.filter((res) => res.status === 429);
    expect(accepted).toHaveLength(3);
    expect(rejected).toHaveLength(17);
    for (const res of rejected) {
      expect(res.body).toMatchObject({ queue_length: 3, max_queue_length: 3 });
      expect(res.body.error).toMatch(/Queue is full/);
    }
    expect(accepted.map((res) => res.body.queue_length).sort()).toEqual([1, 2, 3]);

    const done = await busy;
    expect(done.status).toBe(200);
    expect(done.body.result).toBe('done');
    await receiver.waitFor(3);
    const delivered = receiver.received.map((hook) => hook.body.id).sort();
    expect(delivered).toEqual(accepted.map((res) => res.body.id).sort());
  });

  it('answers 202 at once and POSTs the documented body when the job ends', async () => {
    const before = receiver.received.length;
    const res = await t.execute({ code: 'print("async")\nreturn {"ok": True}', webhook_url: hookUrl, id: 'async-1' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      id: 'async-1',
      message: 'processing',
      queue_length: 1,
      max_queue_length: 3,
    });
    await receiver.waitFor(before + 1);
    const hook = receiver.received[before];
    expect(hook.headers['content-type']).toMatch(/application\/json/);
    expect(hook.headers['x-webhook-id']).toBe(res.body.job_id);
    expect(hook.body).toMatchObject({
      endpoint: '/v1/code/execute/python',
      code: 200,
      id: 'async-1',
      job_id: res.body.job_id,
      message: 'success',
      response: { result: { ok: true }, stdout: 'async\n', stderr: '', exit_code: 0, job_id: res.body.job_id },
    });
    for (const time of ['run_time', 'queue_time', 'total_time']) expect(typeof hook.body[time]).toBe('number');
  });

  it('delivers a failing run with its status and error as the message', async () => {
    const before = receiver.received.length;
    const res = await t.execute({ code: 'raise KeyError("k")', webhook_url: hookUrl });
    expect(res.status).toBe(202);
    await receiver.waitFor(before + 1);
    const hook = receiver.received[before];
    expect(hook.body).toMatchObject({ code: 400, id: null, message: "KeyError: 'k'", response: { error: "KeyError: 'k'", exit_code: 1 } });
  });
});

describe('queue: parallel runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    // 16 requests of one key at once on purpose: no per-key limit (fairness has its own spec).
    t = await startTestApp('parallel', { MAX_JOBS_PER_KEY: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs 16 requests in parallel, each with its own output', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t.execute({ code: `import sys\nprint("run-${i}")\nsys.stderr.write("err-${i}")\nreturn ${i} * 2`, stdin: `in-${i}` }),
      ),
    );
    results.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ result: i * 2, stdout: `run-${i}\n`, stderr: `err-${i}` });
    });
    expect(new Set(results.map((res) => res.body.job_id)).size).toBe(16);
  });

  it('answers 429 only when bounded: unlimited by default (max_queue_length null)', async () => {
    const res = await t.execute({ code: 'pass', webhook_url: 'https://example.com/webhook', id: 'request-123' });
    expect(res.status).toBe(202);
    expect(res.body.max_queue_length).toBeNull();
  });
});
