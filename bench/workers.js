#!/usr/bin/env node
// Throughput of 1 vs 2 worker processes behind one ROLE=api process, for a 100 ms job.
// Usage: npm run build && node bench/workers.js [jobs=200] [concurrency-per-worker=1]
// Each worker process runs WORKER_CONCURRENCY jobs at once; the job sleeps 100 ms (an I/O-bound
// job, so the numbers show how the service scales with processes rather than the 2 cores).
const { spawn } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const Redis = require('ioredis');

const root = path.resolve(__dirname, '..');
const jobs = Number(process.argv[2] ?? 200);
const perWorker = Number(process.argv[3] ?? 1);
const key = 'bench-workers-key';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startProcess(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'dist/main.js')], {
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'warn', REDIS_URL: redisUrl, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false);
    if (ok) return { child, port };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function execute(port, code) {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, method: 'POST', path: '/v1/code/execute/python', agent,
      headers: { 'content-type': 'application/json', 'x-api-key': key } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ code }));
  });
}

async function measure(workerCount) {
  const prefix = `pyexec-bench-workers-${workerCount}-${process.pid}`;
  const common = { QUEUE_PREFIX: prefix, SANDBOX_CGROUP_PARENT: prefix, RATE_LIMIT_PER_MINUTE: '0' };
  const api = await startProcess({ ...common, ROLE: 'api', API_KEYS: key });
  const workers = [];
  for (let i = 0; i < workerCount; i++) workers.push(await startProcess({ ...common, ROLE: 'worker', WORKER_CONCURRENCY: String(perWorker) }));
  const code = 'import time\ntime.sleep(0.1)';
  const inFlight = workerCount * perWorker * 2;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < jobs) await execute(api.port, code);
  }));
  const seconds = (performance.now() - started) / 1000;
  for (const p of [api, ...workers]) p.child.kill('SIGTERM');
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  return { workers: workerCount, jobs, seconds: Number(seconds.toFixed(2)), jobsPerSecond: Number((jobs / seconds).toFixed(1)) };
}

(async () => {
  const one = await measure(1);
  const two = await measure(2);
  console.log(`100 ms job, ${jobs} jobs, WORKER_CONCURRENCY=${perWorker} per worker, ${require('node:os').availableParallelism()} cores`);
  for (const r of [one, two]) console.log(`  ${r.workers} worker process(es): ${r.jobsPerSecond} jobs/s (${r.seconds} s)`);
  console.log(`  speed-up: ${(two.jobsPerSecond / one.jobsPerSecond).toFixed(2)}x`);
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
