import Redis from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import request from 'supertest';
import { cleanPrefix, KEY, startTestApp, TestApp, uniquePrefix } from './support/test-app';
import { redisAnswers } from './support/own-redis';
import { freePort, metricValue, ServiceProcess } from './support/processes';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The cgroup interface this host offers, read as src/sandbox/run-cgroups.ts (detectCgroups)
 * picks it: v1 when the memory and pids controllers are v1 hierarchies, else v2 when
 * /sys/fs/cgroup is the unified hierarchy.
 */
function hostCgroupMode(root = '/sys/fs/cgroup'): 'v1' | 'v2' | 'none' {
  if (existsSync(`${root}/memory/cgroup.procs`) && existsSync(`${root}/pids/cgroup.procs`)) return 'v1';
  if (existsSync(`${root}/cgroup.controllers`)) return 'v2';
  return 'none';
}

/** Sends at once (a supertest request only starts when awaited). */
function execute(baseUrl: string, body: object): Promise<request.Response> {
  return request(baseUrl).post('/v1/code/execute/python').set('x-api-key', KEY).send(body).then((res) => res);
}

describe('one api and two worker processes on one Redis', () => {
  const prefix = uniquePrefix('roles');
  const secret = `s3cret-${prefix}`;
  let api: ServiceProcess;
  let workers: ServiceProcess[];

  beforeAll(async () => {
    // 40 jobs of one key at once on purpose: no per-key limit (fairness has its own spec).
    const common = { REDIS_URL, QUEUE_PREFIX: prefix, SANDBOX_CGROUP_PARENT: prefix, SHUTDOWN_GRACE_SECONDS: '20', MAX_JOBS_PER_KEY: '0' };
    api = new ServiceProcess(await freePort(), { ...common, ROLE: 'api', API_KEYS: KEY });
    workers = [
      new ServiceProcess(await freePort(), { ...common, ROLE: 'worker', WORKER_CONCURRENCY: '1' }),
      new ServiceProcess(await freePort(), { ...common, ROLE: 'worker', WORKER_CONCURRENCY: '1' }),
    ];
    await Promise.all([api, ...workers].map((p) => p.ready()));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([api, ...workers].map((p) => p.stop()));
    await cleanPrefix(REDIS_URL, prefix);
  });

  it('serves roles apart: the api runs no job, the workers serve no API', async () => {
    const apiReady = await fetch(`${api.url}/health/ready`);
    expect(apiReady.status).toBe(200);
    const apiBody = await apiReady.json();
    expect(apiBody).toMatchObject({ role: 'api', status: 'ok' });
    expect(apiBody.details).not.toHaveProperty('sandbox');
    const workerReady = await fetch(`${workers[0].url}/health/ready`);
    expect(workerReady.status).toBe(200);
    const workerBody = await workerReady.json();
    // The mode this host has (v1 on hybrid hosts, v2 on unified ones), as the service detects it.
    const mode = hostCgroupMode();
    expect(mode).toMatch(/^v[12]$/);
    expect(workerBody).toMatchObject({ role: 'worker', status: 'ok', details: { sandbox: { status: 'up', cgroups: mode } } });
    expect(workerBody.details.sandbox.enforced).toHaveProperty('memory');
    expect((await execute(workers[0].url, { code: 'return 1' })).status).toBe(404);
  });

  it('completes 40 jobs, spread over both workers', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => execute(api.url, { code: `import time\ntime.sleep(0.05)\nreturn ${i}` })),
    );
    results.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(i);
    });
    const perWorker = await Promise.all(workers.map((w) => metricValue(w.url, 'pyexec_executions_total{outcome="ok"}')));
    expect(perWorker[0] + perWorker[1]).toBe(40);
    expect(perWorker[0]).toBeGreaterThan(0);
    expect(perWorker[1]).toBeGreaterThan(0);
  });

  it('never logs code, env values or API keys, and logs each request and job with ids and outcome', async () => {
    const res = await execute(api.url, {
      code: `token = "${secret}"\nreturn len(token)`,
      env: [{ name: 'TOKEN', value: secret }],
      stdin: secret,
    });
    expect(res.status).toBe(200);
    // The worker logs the job's end and the API the request's once the answer is out: wait for both lines.
    const jobLine = await waitUntil(
      async () => workers.flatMap((w) => w.logLines()).find((line) => line.jobId === res.body.job_id && line.msg === 'job finished'),
      10_000,
      'the worker\'s "job finished" line',
    );
    expect(jobLine).toMatchObject({ msg: 'job finished', outcome: 'ok', status: 200, requestId: expect.any(String) });
    const requestLine = await waitUntil(
      async () => api.logLines().find((line) => (line.req as { id?: string })?.id === jobLine.requestId && line.msg === 'request completed'),
      10_000,
      'the api\'s "request completed" line',
    );
    expect(requestLine).toMatchObject({ msg: 'request completed', req: { method: 'POST', path: '/v1/code/execute/python' }, res: { status: 200 } });
    for (const process of [api, ...workers]) {
      const text = process.output.join('');
      expect(text).not.toContain(secret);
      expect(text).not.toContain(KEY);
    }
  });

  it('answers every client when a worker is SIGKILLed mid-job: the stalled job runs again elsewhere', async () => {
    const code = 'import time\ntime.sleep(3)\nreturn "done"';
    const pending = [execute(api.url, { code }), execute(api.url, { code })];
    await waitUntil(async () => {
      const active = await Promise.all(workers.map((w) => metricValue(w.url, 'pyexec_queue_jobs{state="active"}')));
      return active[0] === 2 ? true : undefined;
    }, 10_000, 'both jobs running');
    workers[0].child.kill('SIGKILL');
    const answers = await Promise.all(pending);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.result).toBe('done');
    }
  }, 60_000);

  it('lets a running job finish on SIGTERM before the worker exits', async () => {
    const survivor = workers[1];
    const pending = execute(api.url, { code: 'import time\ntime.sleep(2)\nreturn "finished"' });
    await waitUntil(async () => ((await metricValue(survivor.url, 'pyexec_queue_jobs{state="active"}')) === 1 ? true : undefined), 10_000, 'job running');
    const signalledAt = Date.now();
    survivor.child.kill('SIGTERM');
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.body.result).toBe('finished');
    const exit = await survivor.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalledAt).toBeGreaterThan(500);
  }, 30_000);
});

describe('shutdown past the grace period', () => {
  it('fails the cut-off jobs with a clear error: the sync client, the job status and the webhook all get it', async () => {
    const prefix = uniquePrefix('grace');
    const receiver = new WebhookReceiver();
    const hookUrl = await receiver.start();
    const env = {
      REDIS_URL, QUEUE_PREFIX: prefix, SANDBOX_CGROUP_PARENT: prefix, API_KEYS: KEY, ROLE: 'all',
      WORKER_CONCURRENCY: '2', SHUTDOWN_GRACE_SECONDS: '1', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
    };
    const first = new ServiceProcess(await freePort(), env);
    let second: ServiceProcess | undefined;
    try {
      await first.ready();
      const code = 'import time\ntime.sleep(30)';
      const sync = execute(first.url, { code, timeout: 60 });
      const accepted = await execute(first.url, { code, timeout: 60, webhook_url: hookUrl, id: 'cut-off' });
      expect(accepted.status).toBe(202);
      await waitUntil(async () => ((await metricValue(first.url, 'pyexec_queue_jobs{state="active"}')) === 2 ? true : undefined), 10_000, 'both running');
      const signalledAt = Date.now();
      first.child.kill('SIGTERM');
      const answer = await sync;
      expect(answer.status).toBe(500);
      expect(answer.body.error).toMatch(/^The job failed: the worker shut down before the run finished/);
      expect((await first.exited).code).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(15_000);

      // The delivery was queued before the exit: the next process delivers it.
      second = new ServiceProcess(await freePort(), env);
      await second.ready();
      await receiver.waitFor(1);
      expect(receiver.received[0].body).toMatchObject({ code: 500, id: 'cut-off', job_id: accepted.body.job_id });
      expect(receiver.received[0].body.message).toMatch(/^The job failed: the worker shut down/);
      const status = await request(second.url).get(`/v1/jobs/${accepted.body.job_id}`).set('x-api-key', KEY);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ status: 'failed', code: 500, webhook: { status: 'delivered' } });
    } finally {
      await first.stop();
      await second?.stop();
      await receiver.stop();
      await cleanPrefix(REDIS_URL, prefix);
    }
  }, 60_000);
});

describe('readiness follows Redis', () => {
  let redis: ChildProcess;
  let port: number;
  let t: TestApp;

  const startRedis = () =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });

  beforeAll(async () => {
    port = await freePort();
    redis = startRedis();
    await redisAnswers(port);
    t = await startTestApp('ready', { REDIS_URL: `redis://127.0.0.1:${port}` });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    redis.kill('SIGKILL');
  });

  it('is 200 with Redis, 503 without it, and 200 again when it returns', async () => {
    expect((await request(t.url).get('/health/ready')).status).toBe(200);
    redis.kill('SIGKILL');
    const down = await waitUntil(async () => {
      const res = await request(t.url).get('/health/ready');
      return res.status === 503 ? res : undefined;
    }, 10_000, 'readiness 503');
    expect(down.body.error).toMatch(/^Not ready: redis/);
    expect((await request(t.url).get('/health')).status).toBe(200);
    const refused = await t.execute({ code: 'return 1' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatch(/Redis/);
    redis = startRedis();
    await waitUntil(async () => ((await request(t.url).get('/health/ready')).status === 200 ? true : undefined), 20_000, 'readiness back');
    const served = await t.execute({ code: 'return 1' });
    expect(served.status).toBe(200);
    expect(served.body.result).toBe(1);
  }, 40_000);
});

describe('metrics and rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('metrics', { RATE_LIMIT_PER_MINUTE: '8' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts executions by outcome, exactly as run', async () => {
    const runs = [
      ['return 1', 200],
      ['print(2)', 200],
      ['raise ValueError()', 400],
      ['while True: pass', 408],
      ['import os\nwhile True: os.write(1, b"x" * 65536)', 400],
    ] as const;
    for (const [code, status] of runs) expect((await t.execute({ code, timeout: 1 })).status).toBe(status);
    const value = (sample: string) => metricValue(t.url, sample);
    expect(await value('pyexec_executions_total{outcome="ok"}')).toBe(2);
    expect(await value('pyexec_executions_total{outcome="error"}')).toBe(1);
    expect(await value('pyexec_executions_total{outcome="timeout"}')).toBe(1);
    expect(await value('pyexec_executions_total{outcome="limit"}')).toBe(1);
    expect(await value('pyexec_run_duration_seconds_count')).toBe(5);
    expect(await value('pyexec_queue_wait_seconds_count')).toBe(5);
    expect(await value('pyexec_queue_jobs{state="waiting"}')).toBe(0);
    expect(await value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('limits requests per API key with 429 and Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await t.execute({ code: 'pass' }));
    const limited = answers.find((res) => res.status === 429);
    expect(limited).toBeDefined();
    expect(limited!.body).toEqual({ error: 'Rate limit exceeded: too many requests for this API key' });
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(t.url).get('/health')).status).toBe(200);
  });
});
