#!/usr/bin/env node
// Sequential latency: a trivial request through the service vs. the raw floor
// (`python3 -I -c pass` bare and in a cold nsjail with the service's own jail flags).
// Usage: node bench/latency.js [runs]   (starts the built service itself; needs Redis)
const { spawn, spawnSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const path = require('node:path');
const http = require('node:http');

const root = path.resolve(__dirname, '..');
const runs = Number(process.argv[2] ?? 300);
const nsjail = process.env.NSJAIL_PATH ?? path.join(root, '.tools/bin/nsjail');
const python = process.env.PYTHON_PATH ?? '/usr/bin/python3';

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const summary = (values) => ({ p50: pct(values, 50), p90: pct(values, 90), p99: pct(values, 99) });

function timeSpawn(command, args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
    times.push(performance.now() - start);
  }
  return summary(times);
}

function jailArgs() {
  const { buildNsjailArgs } = require(path.join(root, 'dist/sandbox/nsjail-args.js'));
  const args = buildNsjailArgs(
    { pythonPath: python, memoryMb: 256, maxPids: 64, tmpfsMb: 64, cpuCount: 2, cgroups: 'v1' },
    (m) => require('node:fs').existsSync(m), 30, 'pass');
  const tail = args.indexOf('--');
  return [...args.slice(0, tail).filter((a, i, all) => !['--log_fd', '--pass_fd'].includes(a) && !['--log_fd', '--pass_fd'].includes(all[i - 1])), '--quiet', '--', python, '-I', '-c', 'pass'];
}

function post(port, key, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, method: 'POST', path: '/v1/code/execute/python', agent: keepAlive,
      headers: { 'content-type': 'application/json', 'x-api-key': key } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function main() {
  const bare = timeSpawn(python, ['-I', '-c', 'pass']);
  const jailed = timeSpawn(nsjail, jailArgs());
  const port = 18080 + Math.floor(Math.random() * 1000);
  const key = 'bench-key';
  const service = spawn('node', [path.join(root, 'dist/main.js')], {
    env: { ...process.env, PORT: String(port), API_KEYS: key, QUEUE_PREFIX: `pyexec-bench-${port}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => service.stdout.on('data', (d) => String(d).includes('listening') && resolve()));
  const rss0 = Number(spawnSync('ps', ['-o', 'rss=', '-p', String(service.pid)], { encoding: 'utf8' }).stdout);
  const body = JSON.stringify({ code: 'print(1)' });
  for (let i = 0; i < 20; i++) await post(port, key, body);
  const times = [];
  const gapMs = Number(process.env.GAP_MS ?? 0);
  for (let i = 0; i < runs; i++) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    const start = performance.now();
    await post(port, key, body);
    times.push(performance.now() - start);
  }
  const rss1 = Number(spawnSync('ps', ['-o', 'rss=', '-p', String(service.pid)], { encoding: 'utf8' }).stdout);
  service.kill('SIGTERM');
  const service1 = summary(times);
  const fmt = (s) => `p50 ${s.p50.toFixed(2)} ms  p90 ${s.p90.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms`;
  console.log(`runs: ${runs}, cores: ${require('node:os').availableParallelism()}`);
  console.log(`bare python3 -I -c pass      ${fmt(bare)}`);
  console.log(`nsjail python3 -I -c pass    ${fmt(jailed)}`);
  console.log(`service print(1), 1 conn     ${fmt(service1)}`);
  console.log(`service - jailed (p50)       ${(service1.p50 - jailed.p50).toFixed(2)} ms`);
  console.log(`service RSS                  ${(rss0 / 1024).toFixed(1)} MiB -> ${(rss1 / 1024).toFixed(1)} MiB after ${runs + 20} runs`);
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
