#!/usr/bin/env node
/*
 * pyexec benchmark suite (issue 6, item 4). One command:
 *
 *     npm run bench              # full run, ~4.5 minutes on 2 cores
 *     npm run bench -- --quick   # smoke run, ~40 s (fewer runs; targets only indicative)
 *
 * It builds the service when dist/ is missing or older than src/, starts it itself
 * (`node dist/main.js`, ROLE=all, its own random QUEUE_PREFIX, SANDBOX_CGROUP_PARENT, port and API
 * key, LOG_LEVEL=warn, RATE_LIMIT_PER_MINUTE=0), measures, prints a table, writes the same as JSON
 * to bench/results/latest.json, deletes its Redis keys (SCAN prefix:* + DEL) and stops the
 * service with SIGTERM. Needs root (nsjail), Redis, /usr/bin/python3 and the runtime
 * (.tools/runtime or RUNTIME_DIR). See bench/README.md.
 *
 * What it measures, in this order:
 *   (a) raw floor: `python3 -I -c pass` bare and in a cold nsjail with the service's own jail
 *       flags (buildNsjailArgs from dist/, without --log_fd/--pass_fd, with --quiet), spawn to
 *       exit, sequential; and the raw parallel throughput of cold jails (`--concurrency` at once)
 *   (e1) service RSS at boot and after the first `--rss-first` runs (default 1,000)
 *   (b) 1 connection (keep-alive, maxSockets 1), trivial `print(1)`: back-to-back and paced
 *       (`--gap-ms` between requests, so the jail pool has refilled)
 *   (d) a CPU-bound program (~`--cpu-ms` of arithmetic, sized by timing bare python), a
 *       program printing 1 MiB, and `import numpy, pandas` + a tiny DataFrame (bare = the
 *       runtime's own interpreter, unsandboxed): service p50 next to the same program bare and
 *       in a cold jail
 *   (c) saturated: `--concurrency` connections for `--saturate-s` seconds: runs/s, p50/p99
 *   (e2) service RSS after `--rss-total` runs in all (default 10,000; every run above counts)
 *   (f) fairness: key A keeps 4 hostile programs in flight (fork bomb, memory bomb, 2 spinners;
 *       timeout 5 s) while key B sends `return 1` every 200 ms for `--fairness-s` seconds: B's
 *       p50/p99/max and its errors (MAX_JOBS_PER_KEY, docs/operations.md)
 *
 * Options (each also as an environment variable BENCH_<NAME>, e.g. BENCH_RUNS=300):
 *   --quick             short smoke run (defaults below in brackets)
 *   --runs N            sequential runs of (a) bare/jail and of (b) back-to-back   [500 / 1000; quick 40]
 *   --paced-runs N      paced runs of (b)                                          [500; quick 40]
 *   --gap-ms N          gap between paced requests, ms                             [30]
 *   --concurrency N     connections for (c) and (e), parallel cold jails for (a)   [8]
 *   --saturate-s N      duration of (c) and of the raw parallel jail run, seconds  [15; quick 3]
 *   --program-runs N    runs of each (d) program per way (bare, jail, service)     [15; quick 3]
 *   --cpu-ms N          target duration of the CPU-bound program, bare, ms         [200]
 *   --rss-first N       runs before the first RSS reading                          [1000; quick 200]
 *   --rss-total N       runs before the second RSS reading                         [10000; quick 1000]
 *   --fairness-s N      duration of (f), seconds                                   [20; quick 5]
 *   --worker-concurrency N, --pool-size N
 *                       passed as WORKER_CONCURRENCY / SANDBOX_POOL_SIZE (default: the service's
 *                       own defaults — CPU count — which is what the targets are about)
 *   --build / --no-build  always / never run `npm run build` (default: only when stale)
 *   --out FILE          JSON output                                                [bench/results/latest.json]
 *   --redis-url URL     Redis                                                      [$REDIS_URL or redis://127.0.0.1:6379]
 *
 * Plain Node, no dependencies beyond the project's own (ioredis).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const NSJAIL = process.env.NSJAIL_PATH ?? path.join(root, '.tools/bin/nsjail');
const PYTHON = '/usr/bin/python3';
/** The runtime user code runs with (scripts/build-runtime.sh), and where jails mount it. */
const RUNTIME_DIR = process.env.RUNTIME_DIR ?? path.join(root, '.tools/runtime');
const RUNTIME_PYTHON = path.join(RUNTIME_DIR, 'bin/python3');
function runtimeMount() {
  const manifest = JSON.parse(fs.readFileSync(path.join(RUNTIME_DIR, 'pyexec-runtime.json'), 'utf8'));
  return { hostDir: RUNTIME_DIR, jailDir: manifest.jail_path };
}
const MIB = 1024 * 1024;
/** The host uid the raw cold jails run as: the top of the service's default uid blocks, used by no service. */
const BENCH_JAIL_UID = 1_999_999_000;

// ---------------------------------------------------------------- options

const VALUE_OPTIONS = ['runs', 'paced-runs', 'gap-ms', 'concurrency', 'saturate-s', 'program-runs', 'cpu-ms', 'rss-first', 'rss-total', 'fairness-s', 'worker-concurrency', 'pool-size', 'out', 'redis-url'];

function parseOptions(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg} (see the top of bench/run.js)`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (['quick', 'build', 'no-build', 'help'].includes(name)) flags[name] = true;
    else if (VALUE_OPTIONS.includes(name)) flags[name] = inline ?? argv[++i];
    else throw new Error(`unknown option --${name} (see --help)`);
    if (flags[name] === undefined) throw new Error(`--${name} needs a value`);
  }
  if (flags.help) {
    const header = fs.readFileSync(__filename, 'utf8').split('*/')[0];
    console.log(header.replace(/^\/\*|^ \* ?/gm, ''));
    process.exit(0);
  }
  const quick = Boolean(flags.quick || process.env.BENCH_QUICK === '1');
  const pick = (name, full, short) => {
    const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    const raw = flags[name] ?? env;
    if (raw === undefined) return quick ? short : full;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number: ${raw}`);
    return value;
  };
  const runs = pick('runs', null, 40);
  return {
    quick,
    rawRuns: runs ?? 500,
    seqRuns: runs ?? 1000,
    pacedRuns: pick('paced-runs', 500, 40),
    gapMs: pick('gap-ms', 30, 30),
    concurrency: pick('concurrency', 8, 8),
    saturateS: pick('saturate-s', 15, 3),
    programRuns: pick('program-runs', 15, 3),
    cpuMs: pick('cpu-ms', 200, 200),
    rssFirst: pick('rss-first', 1000, 200),
    rssTotal: pick('rss-total', 10000, 1000),
    fairnessS: pick('fairness-s', 20, 5),
    workerConcurrency: flags['worker-concurrency'] ?? process.env.BENCH_WORKER_CONCURRENCY,
    poolSize: flags['pool-size'] ?? process.env.BENCH_POOL_SIZE,
    build: flags.build ? 'always' : flags['no-build'] ? 'never' : 'stale',
    out: path.resolve(flags.out ?? path.join(__dirname, 'results', 'latest.json')),
    redisUrl: flags['redis-url'] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

// ---------------------------------------------------------------- statistics

/** Nearest-rank percentile. */
function pct(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function summary(values) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { n: values.length, p50: pct(values, 50), p90: pct(values, 90), p99: pct(values, 99), min: Math.min(...values), max: Math.max(...values), mean };
}
const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
function roundDeep(value) {
  if (typeof value === 'number') return round(value, 3);
  if (Array.isArray(value)) return value.map(roundDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]));
  return value;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- build

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfNeeded(mode) {
  const main = path.join(root, 'dist', 'main.js');
  const stale = !fs.existsSync(main) || newestMtime(path.join(root, 'src')) > fs.statSync(main).mtimeMs;
  if (mode === 'never' || (mode === 'stale' && !stale)) return false;
  log(`building (npm run build)${mode === 'stale' ? ': dist/ is missing or older than src/' : ''}`);
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error('npm run build failed');
  }
  return true;
}

// ---------------------------------------------------------------- raw floor

function cgroupLimitsAvailable() {
  return fs.existsSync('/sys/fs/cgroup/memory/cgroup.procs') || fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
}

/**
 * The service's own jail flags (dist/sandbox/nsjail-args.js), to run `command` in a cold jail;
 * `PYTHON` in the command becomes the runtime's interpreter as the jail sees it.
 */
function jailCommand(command) {
  const { asHostUid, buildNsjailArgs, jailPython, procMasks } = require(path.join(root, 'dist/sandbox/nsjail-args.js'));
  const runtime = runtimeMount();
  // /proc masked as the service masks it (its top-level entries, read here as at its boot).
  const procEntries = fs.readdirSync('/proc').flatMap((name) => {
    const stat = fs.lstatSync(`/proc/${name}`, { throwIfNoEntry: false });
    return stat ? [{ name, directory: stat.isDirectory(), mode: stat.mode }] : [];
  });
  const settings = { runtime, maxMemoryMb: 1024, maxProcesses: 64, tmpfsMb: 64, cpuCount: 1, cgroupLimits: cgroupLimitsAvailable(), procMasks: procMasks(procEntries) };
  const args = buildNsjailArgs(settings, (mount) => fs.existsSync(mount), BENCH_JAIL_UID, 30, 'pass');
  const tail = args.indexOf('--');
  const dropped = ['--log_fd', '--pass_fd'];
  const flags = args.slice(0, tail).filter((a, i, all) => !dropped.includes(a) && !dropped.includes(all[i - 1]));
  // Started as the service starts nsjail: as the jail's own host uid, through setpriv.
  const [binary, ...rest] = asHostUid(BENCH_JAIL_UID, [NSJAIL, ...flags, '--quiet', '--', ...command.map((word) => (word === PYTHON ? jailPython(runtime) : word))]);
  return [binary, rest];
}

/** Sequential spawn-to-exit times of one command (ms); checks its exit status and stdout size. */
function timeSync(command, args, runs, expectStdoutBytes) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { stdio: ['ignore', expectStdoutBytes ? 'pipe' : 'ignore', 'pipe'], maxBuffer: 8 * MIB });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`${path.basename(command)} exited ${result.status} (${result.error?.message ?? ''}): ${String(result.stderr).slice(0, 2000)}`);
    if (expectStdoutBytes && result.stdout.length !== expectStdoutBytes) throw new Error(`${command}: ${result.stdout.length} bytes of stdout, expected ${expectStdoutBytes}`);
    times.push(elapsed);
  }
  return times;
}

/** `parallelism` loops each spawning the command again as soon as it exits, for `seconds`. */
async function rawParallel(command, args, parallelism, seconds) {
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  let completed = 0;
  const times = [];
  const once = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(command, args, { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${path.basename(command)} exited ${code}`))));
    });
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (performance.now() < stopAt) {
        times.push(await once());
        completed++;
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  return { parallelism, completed, elapsed_s: elapsedS, runs_per_s: completed / elapsedS, latency_ms: summary(times) };
}

// ---------------------------------------------------------------- the service

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tail(buffer, chunk, max = 16 * 1024) {
  const next = buffer + chunk;
  return next.length > max ? next.slice(-max) : next;
}

class Service {
  constructor(options) {
    this.options = options;
    this.id = crypto.randomBytes(4).toString('hex');
    this.prefix = `pyexec-bench-${this.id}`;
    this.cgroupParent = `pyexec-bench-${this.id}`;
    // One key per load connection (MAX_JOBS_PER_KEY bounds each key's jobs in flight, as for
    // separate clients), and the two keys of the fairness phase.
    const newKey = () => `bench-${crypto.randomBytes(12).toString('hex')}`;
    this.keys = Array.from({ length: options.concurrency }, newKey);
    this.key = this.keys[0];
    this.hostileKey = newKey();
    this.politeKey = newKey();
    this.output = '';
    this.runs = 0;
  }

  async start() {
    this.port = await freePort();
    this.env = {
      PORT: String(this.port),
      API_KEYS: [...this.keys, this.hostileKey, this.politeKey].join(','),
      QUEUE_PREFIX: this.prefix,
      SANDBOX_CGROUP_PARENT: this.cgroupParent,
      ROLE: 'all',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      REDIS_URL: this.options.redisUrl,
      NSJAIL_PATH: NSJAIL,
      RUNTIME_DIR,
      ...(this.options.workerConcurrency !== undefined && { WORKER_CONCURRENCY: String(this.options.workerConcurrency) }),
      ...(this.options.poolSize !== undefined && { SANDBOX_POOL_SIZE: String(this.options.poolSize) }),
    };
    this.child = spawn(process.execPath, [path.join(root, 'dist/main.js')], {
      cwd: root,
      // The memory settings scripts/start.sh and the image start the service with (docs/operations.md, memory).
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=4', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (d) => (this.output = tail(this.output, String(d))));
    this.child.stderr.on('data', (d) => (this.output = tail(this.output, String(d))));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.exitedEarly = false;
    this.exited.then(() => (this.exitedEarly = !this.stopping));
    this.agent1 = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.agentN = new http.Agent({ keepAlive: true, maxSockets: this.options.concurrency });
    const started = performance.now();
    for (;;) {
      if (this.exitedEarly) throw new Error(`the service exited during boot:\n${this.output}`);
      const status = await this.get('/health/ready').catch(() => 0);
      if (status === 200) break;
      if (performance.now() - started > 60_000) throw new Error(`the service was not ready after 60 s:\n${this.output}`);
      await sleep(100);
    }
    this.bootMs = performance.now() - started;
  }

  get(urlPath) {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: this.port, path: urlPath }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    });
  }

  /** POSTs one synchronous execution; resolves {ms, body} for a 200, rejects otherwise. */
  async execute(body, agent, key = this.key) {
    const { status, ms, text } = await this.post(body, agent, key);
    if (status !== 200) throw new Error(`status ${status}: ${text.slice(0, 500)}`);
    this.runs++;
    return { ms, body: JSON.parse(text) };
  }

  /** POSTs one synchronous execution; resolves {status, ms, text} whatever the status. */
  post(body, agent, key) {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const start = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: '/v1/code/execute/python',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-api-key': key },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - start, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  rssKiB() {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)[1]);
  }

  /** Where the service's memory is, MiB: V8's heap (committed and used) and external memory, from its /metrics; anonymous memory from smaps_rollup. */
  async memory() {
    const text = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: this.port, path: '/metrics' }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      }).on('error', reject);
    });
    const metric = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    const anonKiB = Number(/^Anonymous:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${this.child.pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
    return { heap_total_mib: metric('nodejs_heap_size_total_bytes'), heap_used_mib: metric('nodejs_heap_size_used_bytes'), external_mib: metric('nodejs_external_memory_bytes'), anonymous_mib: anonKiB / 1024 };
  }

  threads() {
    return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))[1]);
  }

  async stop() {
    this.stopping = true;
    this.agent1?.destroy();
    this.agentN?.destroy();
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.exited && (await this.exited);
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const ended = await this.exited;
    clearTimeout(timer);
    return ended;
  }

  /** Deletes every Redis key of this run's prefix; removes the cgroup parent if left behind. */
  async cleanUp() {
    const Redis = require(path.join(root, 'node_modules/ioredis'));
    const redis = new Redis(this.options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    let deleted = 0;
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    const removeTree = (dir) => {
      if (!fs.existsSync(dir)) return;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(path.join(dir, entry.name));
      try {
        fs.rmdirSync(dir);
      } catch {
        /* not empty or busy: leave it (the service sweeps it at its next boot) */
      }
    };
    for (const base of ['/sys/fs/cgroup', ...['memory', 'pids', 'cpu'].map((c) => `/sys/fs/cgroup/${c}`)]) {
      removeTree(path.join(base, this.cgroupParent));
    }
    return deleted;
  }
}

/** The pid of the Redis server when it runs on this machine (for the CPU accounting), else null. */
async function localRedisPid(url) {
  const Redis = require(path.join(root, 'node_modules/ioredis'));
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return pid && fs.existsSync(`/proc/${pid}/stat`) ? pid : null;
  } catch (error) {
    throw new Error(`Redis at ${url} does not answer: ${error.message}`);
  } finally {
    redis.disconnect();
  }
}

/** `connections` clients issuing requests back to back until `until()` is true. */
async function drive(service, body, connections, until) {
  const times = [];
  const serverTimes = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      while (!until()) {
        const { ms, body: answer } = await service.execute(body, service.agentN, service.keys[i % service.keys.length]);
        times.push(ms);
        serverTimes.push(answer);
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  return { times, answers: serverTimes, elapsedS };
}

/** Key A's programs in (f): each holds its slot until the timeout or its limit ends it. */
const HOSTILE = [
  'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
  'blocks = []\nwhile True:\n    blocks.append(bytearray(10 ** 7))',
  'while True:\n    pass',
  'while True:\n    pass',
].map((code) => JSON.stringify({ code, timeout: 5 }));
const FAIRNESS_GAP_MS = 200;

/**
 * (f) Key A keeps its 4 hostile programs in flight (each resent as soon as it is answered) while
 * key B sends a trivial request every FAIRNESS_GAP_MS: B's latency and every answer that was not
 * a 200, and how A's requests were answered.
 */
async function fairness(service, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: HOSTILE.length + 2 });
  const stopAt = performance.now() + seconds * 1000;
  const hostileStatuses = {};
  const hostileErrors = [];
  const hostile = HOSTILE.map(async (body) => {
    while (performance.now() < stopAt) {
      const { status, text } = await service.post(body, agent, service.hostileKey);
      hostileStatuses[status] = (hostileStatuses[status] ?? 0) + 1;
      if (status >= 500) hostileErrors.push(`${status}: ${text.slice(0, 200)}`);
    }
  });
  // Let A's programs take their slots first.
  await sleep(1000);
  const times = [];
  const slowest = [];
  const errors = [];
  const polite = [];
  while (performance.now() < stopAt) {
    polite.push(
      service.post('{"code": "return 1"}', agent, service.politeKey).then(({ status, ms, text }) => {
        const answer = status === 200 ? JSON.parse(text) : undefined;
        if (answer?.result !== 1) return void errors.push(`${status}: ${text.slice(0, 200)}`);
        times.push(ms);
        slowest.push({ ms, queue_time_ms: answer.queue_time * 1000, run_time_ms: answer.run_time * 1000, total_time_ms: answer.total_time * 1000 });
      }),
    );
    await sleep(FAIRNESS_GAP_MS);
  }
  await Promise.all([...polite, ...hostile]);
  agent.destroy();
  return { seconds, gap_ms: FAIRNESS_GAP_MS, polite_latency_ms: summary(times), polite_max_ms: Math.max(...times), polite_slowest: slowest.sort((a, b) => b.ms - a.ms).slice(0, 5), polite_errors: errors, hostile_statuses: hostileStatuses, hostile_server_errors: hostileErrors };
}

/** Where the time of a synchronous request goes, from the response's own fields (p50s, ms). */
function breakdown(times, answers) {
  const run = answers.map((a) => a.run_time * 1000);
  const queue = answers.map((a) => a.queue_time * 1000);
  const total = answers.map((a) => a.total_time * 1000);
  const outside = times.map((t, i) => t - total[i]);
  return {
    http_total_p50: pct(times, 50),
    job_total_time_p50: pct(total, 50),
    queue_time_p50: pct(queue, 50),
    run_time_p50: pct(run, 50),
    run_time_p99: pct(run, 99),
    job_after_run_p50: pct(total.map((t, i) => t - queue[i] - run[i]), 50),
    outside_job_p50: pct(outside, 50),
    outside_job_p99: pct(outside, 99),
  };
}

/**
 * CPU accounting over a phase, from /proc: the machine's busy time (/proc/stat), the service's
 * own process (main thread + worker threads: utime+stime), its reaped children (the jails:
 * nsjail and the Python inside, cutime+cstime), this bench client, and the rest (Redis, kernel
 * threads, anything else on the machine).
 */
const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100);
let redisPid = null; // set once the Redis's pid is known (INFO server), when it runs on this machine
function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { own: (rest[11] + rest[12]) * TICK_MS, children: (rest[13] + rest[14]) * TICK_MS };
  } catch {
    return { own: 0, children: 0 };
  }
}
function cpuSnapshot(pid) {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3] + fields[4];
  const target = processCpuMs(pid);
  const client = process.cpuUsage();
  return {
    at: performance.now(),
    busyMs: (total - idle) * TICK_MS,
    totalMs: total * TICK_MS,
    serviceMs: pid === process.pid ? 0 : target.own,
    jailsMs: target.children,
    redisMs: redisPid ? processCpuMs(redisPid).own : 0,
    clientMs: (client.user + client.system) / 1000,
  };
}
function cpuProfile(before, after, runs) {
  const d = (k) => after[k] - before[k];
  const perRun = (ms) => ms / runs;
  const other = d('busyMs') - d('serviceMs') - d('jailsMs') - d('clientMs') - d('redisMs');
  return {
    runs,
    machine_busy_pct: (100 * d('busyMs')) / d('totalMs'),
    cpu_ms_per_run: {
      total: perRun(d('busyMs')),
      service_process: perRun(d('serviceMs')),
      jails: perRun(d('jailsMs')),
      bench_client: perRun(d('clientMs')),
      redis: perRun(d('redisMs')),
      other: perRun(other),
    },
  };
}

// ---------------------------------------------------------------- programs

const TRIVIAL = JSON.stringify({ code: 'print(1)' });
/** Just under the default 1 MiB cap, which counts stdout as JSON (the newline is 2 bytes, and the quotes). */
const PRINT_BYTES = MIB - 1024;
const PRINT_1MIB = `import sys\nsys.stdout.write("x" * ${PRINT_BYTES - 1} + "\\n")\n`;
/** The runtime's heavy imports and a tiny DataFrame. */
const PANDAS = 'import numpy, pandas\nprint(int(pandas.DataFrame({"a": [1, 2]})["a"].sum()))\n';
const cpuProgram = (n) => `def f(n):\n    s = 0\n    for i in range(n):\n        s += i * i % 7\n    return s\nprint(f(${n}))\n`;

/** Sizes the CPU-bound loop so that bare python takes about `targetMs` (startup included). */
function sizeCpuLoop(targetMs, bareStartMs) {
  let n = 200_000;
  for (let attempt = 0; attempt < 4; attempt++) {
    const ms = pct(timeSync(PYTHON, ['-I', '-c', cpuProgram(n)], 3), 50) - bareStartMs;
    const next = Math.round((n * (targetMs - bareStartMs)) / Math.max(ms, 1));
    if (Math.abs(ms + bareStartMs - targetMs) < targetMs * 0.05) break;
    n = next;
  }
  return n;
}

// ---------------------------------------------------------------- report

let quietLog = false;
function log(message) {
  if (!quietLog) process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');

function table(rows, headers) {
  const all = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function render(r) {
  const out = [];
  const m = r.meta;
  out.push(`pyexec bench — ${m.date} — ${m.cores} cores (${m.cpu_model}) — node ${m.node} — kernel ${m.kernel}${m.quick ? ' — QUICK RUN (indicative only)' : ''}`);
  out.push(`machine busy ${f1(m.machine_busy_pct_before)}% before the run (load ${m.loadavg_before.map(f2).join(' ')})${m.machine_busy_pct_before > 10 ? ' — NOT IDLE: numbers are noisy' : ''}`);
  out.push(`service: ROLE=all, WORKER_CONCURRENCY=${m.service.worker_concurrency}, SANDBOX_POOL_SIZE=${m.service.pool_size}, rate limit off, boot ${f1(m.service.boot_ms)} ms; cgroups for raw jails' flags: ${m.raw_jail_cgroup_limits}`);
  out.push('');
  out.push('(a)+(b) latency, sequential, ms');
  const lat = (name, s, extra = '') => [name, s.n, f2(s.p50), f2(s.p90), f2(s.p99), extra];
  const bare = r.raw.bare_python;
  out.push(
    table(
      [
        lat('bare python3 -I -c pass', bare, '1.00'),
        lat('cold nsjail python3 -I -c pass', r.raw.cold_jail, f2(r.raw.cold_jail.p50 / bare.p50)),
        lat(`service print(1), 1 conn, paced ${r.service_1conn.paced.gap_ms} ms`, r.service_1conn.paced.latency_ms, f2(r.service_1conn.paced.latency_ms.p50 / bare.p50)),
        lat('service print(1), 1 conn, back-to-back', r.service_1conn.back_to_back.latency_ms, f2(r.service_1conn.back_to_back.latency_ms.p50 / bare.p50)),
      ],
      ['', 'n', 'p50', 'p90', 'p99', 'p50/bare'],
    ),
  );
  out.push('');
  out.push('    where a trivial request\'s time goes (p50s, ms; run/queue/total from the response\'s own fields)');
  const bd = (name, b) => [name, f2(b.http_total_p50), f2(b.queue_time_p50), f2(b.run_time_p50), f2(b.job_after_run_p50), f2(b.job_total_time_p50), f2(b.outside_job_p50), f2(b.outside_job_p99)];
  out.push(
    table(
      [
        bd('paced', r.service_1conn.paced.breakdown),
        bd('back-to-back', r.service_1conn.back_to_back.breakdown),
        bd(`saturated (${r.saturated.service.connections} conns)`, r.saturated.service.breakdown),
      ].map((row) => ['    ' + row[0], ...row.slice(1)]),
      ['', 'HTTP', 'queue_time', 'run_time', 'after run', 'total_time', 'HTTP−total', 'HTTP−total p99'],
    ),
  );
  out.push('');
  out.push('(c) saturated throughput');
  const s = r.saturated;
  out.push(
    table(
      [
        [`raw bare python (unsandboxed), ${s.raw_bare_python.parallelism} at once`, f1(s.raw_bare_python.runs_per_s), s.raw_bare_python.completed, f2(s.raw_bare_python.latency_ms.p50), f2(s.raw_bare_python.latency_ms.p99), '1.00', f2(s.raw_bare_python.runs_per_s / s.raw_cold_jails.runs_per_s)],
        [`raw cold jails, ${s.raw_cold_jails.parallelism} at once`, f1(s.raw_cold_jails.runs_per_s), s.raw_cold_jails.completed, f2(s.raw_cold_jails.latency_ms.p50), f2(s.raw_cold_jails.latency_ms.p99), f2(s.raw_cold_jails.runs_per_s / s.raw_bare_python.runs_per_s), '1.00'],
        [`service print(1), ${s.service.connections} conns`, f1(s.service.runs_per_s), s.service.completed, f2(s.service.latency_ms.p50), f2(s.service.latency_ms.p99), f2(s.service.runs_per_s / s.raw_bare_python.runs_per_s), f2(s.service.runs_per_s / s.raw_cold_jails.runs_per_s)],
      ],
      ['', 'runs/s', 'runs', 'p50 ms', 'p99 ms', 'vs bare', 'vs jails'],
    ),
  );
  out.push('');
  out.push('    CPU time per run (ms), from /proc: service = node process incl. worker threads; jails = its reaped children (nsjail + python); other = kernel threads (e.g. netns cleanup) and any foreign load');
  const cpuRow = (name, c) => ['    ' + name, f1(c.machine_busy_pct), f2(c.cpu_ms_per_run.total), f2(c.cpu_ms_per_run.service_process), f2(c.cpu_ms_per_run.jails), f2(c.cpu_ms_per_run.bench_client), f2(c.cpu_ms_per_run.redis), f2(c.cpu_ms_per_run.other)];
  out.push(
    table(
      [
        cpuRow('raw cold jails (client = the spawning bench)', s.raw_cold_jails.cpu),
        cpuRow(`service saturated (${s.service.connections} conns)`, s.service.cpu),
        cpuRow(`service 1 conn paced`, r.service_1conn.paced.cpu),
      ],
      ['', 'busy %', 'total', 'service', 'jails', 'client', 'redis', 'other'],
    ),
  );
  out.push('');
  out.push('(d) programs, p50 ms');
  const p = r.programs;
  const prow = (name, x) => [name, f1(x.bare.p50), f1(x.cold_jail.p50), f1(x.service.p50), f1(x.service_run_time_p50), f2(x.service.p50 / x.bare.p50), f2(x.service.p50 / x.cold_jail.p50)];
  out.push(
    table(
      [prow(`CPU-bound (loop of ${p.cpu.loop_n})`, p.cpu), prow('print 1 MiB − 1 KiB', p.print_1mib), prow('import numpy, pandas + tiny DataFrame', p.numpy_pandas)],
      ['', 'bare', 'cold jail', 'service', 'svc run_time', 'svc/bare', 'svc/jail'],
    ),
  );
  out.push('');
  const fr = r.fairness;
  out.push(`(f) fairness: key A ${HOSTILE.length} hostile programs in flight (answered ${JSON.stringify(fr.hostile_statuses)}); key B return 1 every ${fr.gap_ms} ms for ${fr.seconds} s; service RSS ${f1(fr.rss_kib.before / 1024)} → ${f1(fr.rss_kib.after / 1024)} MiB`);
  out.push(table([lat('    key B', fr.polite_latency_ms, `max ${f1(fr.polite_max_ms)}, ${fr.polite_errors.length} errors`)], ['', 'n', 'p50', 'p90', 'p99', '']));
  out.push(`    B's slowest (ms: HTTP / queue_time / run_time / total_time): ${fr.polite_slowest.map((x) => [x.ms, x.queue_time_ms, x.run_time_ms, x.total_time_ms].map(f1).join(' / ')).join(', ')}`);
  for (const error of fr.polite_errors.slice(0, 5)) out.push(`    B error: ${error}`);
  for (const error of fr.hostile_server_errors.slice(0, 3)) out.push(`    A server error: ${error}`);
  out.push('');
  const e = r.rss;
  out.push(`(e) service RSS (VmRSS of pid ${e.pid}): boot ${f1(e.boot_kib / 1024)} MiB, after ${e.first_runs} runs ${f1(e.after_first_kib / 1024)} MiB, after ${e.total_runs} runs ${f1(e.after_total_kib / 1024)} MiB (ratio ${(e.ratio).toFixed(3)})`);
  const memoryLine = (m) => `V8 heap ${f1(m.heap_used_mib)} used of ${f1(m.heap_total_mib)}, external ${f1(m.external_mib)}, anonymous ${f1(m.anonymous_mib)}`;
  out.push(`    MiB after ${e.first_runs} runs: ${memoryLine(e.memory_after_first)}; after ${e.total_runs}: ${memoryLine(e.memory_after_total)}`);
  out.push('');
  out.push('targets');
  out.push(table(r.targets.map((t) => [t.name, t.value, t.limit, t.met ? 'met' : 'NOT met']), ['', 'measured', 'target', '']));
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const began = performance.now();
  if (process.getuid && process.getuid() !== 0) log('warning: not root; nsjail will probably fail');
  const built = buildIfNeeded(o.build);
  redisPid = await localRedisPid(o.redisUrl);
  // How busy the machine is before anything starts: other load makes every number noisier.
  const idle0 = cpuSnapshot(process.pid);
  await sleep(2000);
  const idleBusyPct = cpuProfile(idle0, cpuSnapshot(process.pid), 1).machine_busy_pct;
  const loadBefore = os.loadavg();
  log(`machine busy ${f1(idleBusyPct)}% before the bench (load ${loadBefore.map(f2).join(' ')})`);
  const jailPass = jailCommand([PYTHON, '-I', '-c', 'pass']);

  // (a) raw floor, before the service exists.
  log(`(a) raw floor: ${o.rawRuns} × bare python, ${o.rawRuns} × cold jail`);
  timeSync(PYTHON, ['-I', '-c', 'pass'], 10);
  timeSync(...jailPass, 10);
  const bare = summary(timeSync(PYTHON, ['-I', '-c', 'pass'], o.rawRuns));
  const coldJail = summary(timeSync(...jailPass, o.rawRuns));
  log(`    bare p50 ${f2(bare.p50)} ms, cold jail p50 ${f2(coldJail.p50)} ms`);
  log(`(c) raw parallel cold jails: ${o.concurrency} at once for ${o.saturateS} s`);
  const rawCpu0 = cpuSnapshot(process.pid);
  const rawPar = await rawParallel(...jailPass, o.concurrency, o.saturateS);
  rawPar.cpu = cpuProfile(rawCpu0, cpuSnapshot(process.pid), rawPar.completed);
  log(`    ${f1(rawPar.runs_per_s)} runs/s`);
  log(`(c) raw parallel bare python (unsandboxed): ${o.concurrency} at once for ${o.saturateS} s`);
  const rawBarePar = await rawParallel(PYTHON, ['-I', '-c', 'pass'], o.concurrency, o.saturateS);
  log(`    ${f1(rawBarePar.runs_per_s)} runs/s`);

  // (d) the programs, raw.
  const loopN = sizeCpuLoop(o.cpuMs, bare.p50);
  const cpuCode = cpuProgram(loopN);
  log(`(d) programs raw: CPU loop n=${loopN}, ${o.programRuns} runs each bare and cold jail`);
  const cpuBare = summary(timeSync(PYTHON, ['-I', '-c', cpuCode], o.programRuns));
  const cpuJail = summary(timeSync(...jailCommand([PYTHON, '-I', '-c', cpuCode]), o.programRuns));
  const outBare = summary(timeSync(PYTHON, ['-I', '-c', PRINT_1MIB], o.programRuns, PRINT_BYTES));
  const outJail = summary(timeSync(...jailCommand([PYTHON, '-I', '-c', PRINT_1MIB]), o.programRuns, PRINT_BYTES));
  // Bare: the runtime's interpreter (numpy and pandas live there), unsandboxed.
  const pandasBare = summary(timeSync(RUNTIME_PYTHON, ['-I', '-c', PANDAS], o.programRuns, 2));
  const pandasJail = summary(timeSync(...jailCommand([PYTHON, '-I', '-c', PANDAS]), o.programRuns, 2));

  const service = new Service(o);
  const result = { meta: {}, raw: {}, service_1conn: {}, saturated: {}, programs: {}, fairness: {}, rss: {}, targets: [] };
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    const ended = await service.stop().catch((error) => ({ error: error.message }));
    const deleted = await service.cleanUp().catch((error) => {
      log(`cleanup failed: ${error.message}`);
      return null;
    });
    log(`service stopped (${JSON.stringify(ended)}), ${deleted} Redis keys of ${service.prefix}:* deleted`);
    return ended;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: stopping the service`);
      stopAll().finally(() => process.exit(130));
    });
  }
  try {
    log(`starting the service (prefix ${service.prefix})`);
    await service.start();
    const rssBoot = service.rssKiB();
    log(`    ready in ${f1(service.bootMs)} ms on :${service.port}, RSS ${f1(rssBoot / 1024)} MiB`);

    // Warm-up, then (e1): the first `rssFirst` runs with `concurrency` connections.
    for (let i = 0; i < 50; i++) await service.execute(TRIVIAL, service.agent1);
    log(`(e) first ${o.rssFirst} runs with ${o.concurrency} connections`);
    // Each connection claims a run before sending it, so exactly `rssFirst` runs happen in all.
    let claimed = service.runs;
    await drive(service, TRIVIAL, o.concurrency, () => claimed++ >= o.rssFirst);
    await sleep(1500);
    const rssFirst = service.rssKiB();
    const memoryFirst = await service.memory();
    const runsFirst = service.runs;
    log(`    RSS after ${runsFirst} runs: ${f1(rssFirst / 1024)} MiB`);

    // (b) 1 connection, back-to-back then paced.
    log(`(b) 1 connection: ${o.seqRuns} back-to-back, ${o.pacedRuns} paced (${o.gapMs} ms gap)`);
    const b2bTimes = [];
    const b2bAnswers = [];
    for (let i = 0; i < o.seqRuns; i++) {
      const { ms, body } = await service.execute(TRIVIAL, service.agent1);
      b2bTimes.push(ms);
      b2bAnswers.push(body);
    }
    const pacedTimes = [];
    const pacedAnswers = [];
    const pacedCpu0 = cpuSnapshot(service.child.pid);
    for (let i = 0; i < o.pacedRuns; i++) {
      await sleep(o.gapMs);
      const { ms, body } = await service.execute(TRIVIAL, service.agent1);
      pacedTimes.push(ms);
      pacedAnswers.push(body);
    }
    const pacedCpu = cpuProfile(pacedCpu0, cpuSnapshot(service.child.pid), o.pacedRuns);
    log(`    back-to-back p50 ${f2(pct(b2bTimes, 50))} ms, paced p50 ${f2(pct(pacedTimes, 50))} ms`);

    // (d) the programs through the service, 1 connection, paced.
    log(`(d) programs through the service: ${o.programRuns} runs each`);
    const viaService = async (code, check) => {
      const times = [];
      const runTimes = [];
      const body = JSON.stringify({ code });
      for (let i = 0; i < o.programRuns + 1; i++) {
        await sleep(o.gapMs);
        const { ms, body: answer } = await service.execute(body, service.agent1);
        check(answer);
        if (i === 0) continue; // warm-up
        times.push(ms);
        runTimes.push(answer.run_time * 1000);
      }
      return { latency: summary(times), runTimeP50: pct(runTimes, 50) };
    };
    const cpuSvc = await viaService(cpuCode, (a) => {
      if (a.exit_code !== 0) throw new Error(`CPU program: ${JSON.stringify(a).slice(0, 300)}`);
    });
    const outSvc = await viaService(PRINT_1MIB, (a) => {
      if (Buffer.byteLength(a.stdout) !== PRINT_BYTES) throw new Error(`print 1 MiB − 1 KiB: ${Buffer.byteLength(a.stdout)} bytes of stdout`);
    });
    const pandasSvc = await viaService(PANDAS, (a) => {
      if (a.stdout !== '3\n') throw new Error(`numpy + pandas: ${JSON.stringify(a).slice(0, 300)}`);
    });

    // (c) saturated.
    log(`(c) saturated: ${o.concurrency} connections for ${o.saturateS} s`);
    const stopAt = performance.now() + o.saturateS * 1000;
    const satCpu0 = cpuSnapshot(service.child.pid);
    const sat = await drive(service, TRIVIAL, o.concurrency, () => performance.now() >= stopAt);
    const satCpu = cpuProfile(satCpu0, cpuSnapshot(service.child.pid), sat.times.length);
    const satRps = sat.times.length / sat.elapsedS;
    log(`    ${f1(satRps)} runs/s (raw cold jails ${f1(rawPar.runs_per_s)})`);

    // (e2) up to `rssTotal` runs in all.
    const remaining = Math.max(0, o.rssTotal - service.runs);
    log(`(e) ${remaining} more runs to reach ${o.rssTotal}, ${o.concurrency} connections`);
    const trend = [];
    claimed = service.runs;
    const e2Start = performance.now();
    await drive(service, TRIVIAL, o.concurrency, () => {
      if (claimed % 1000 === 0) trend.push({ runs: claimed, rss_kib: service.rssKiB() });
      return claimed++ >= o.rssTotal;
    });
    const e2S = (performance.now() - e2Start) / 1000;
    await sleep(1500);
    const rssTotal = service.rssKiB();
    const memoryTotal = await service.memory();
    const runsTotal = service.runs;
    log(`    RSS after ${runsTotal} runs: ${f1(rssTotal / 1024)} MiB (${f1(remaining / e2S)} runs/s)`);
    const threads = service.threads();

    // (f) fairness between keys, after the RSS readings: hostile programs are not what they are about.
    log(`(f) fairness: key A keeps ${HOSTILE.length} hostile programs in flight, key B return 1 every ${FAIRNESS_GAP_MS} ms, ${o.fairnessS} s`);
    const rssBeforeFairness = service.rssKiB();
    const fair = await fairness(service, o.fairnessS);
    await sleep(1500);
    fair.rss_kib = { before: rssBeforeFairness, after: service.rssKiB() };
    log(`    B p50 ${f2(fair.polite_latency_ms.p50)} ms, p99 ${f2(fair.polite_latency_ms.p99)} ms, ${fair.polite_errors.length} errors; A answered ${JSON.stringify(fair.hostile_statuses)}`);


    const paced = summary(pacedTimes);
    const b2b = summary(b2bTimes);
    const cpuCount = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
    result.meta = {
      date: new Date().toISOString(),
      cores: cpuCount,
      cpu_model: os.cpus()[0]?.model?.trim() ?? 'unknown',
      node: process.version,
      kernel: os.release(),
      git_commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim(),
      quick: o.quick,
      built_before_run: built,
      options: { ...o, out: path.relative(root, o.out) },
      raw_jail_cgroup_limits: cgroupLimitsAvailable(),
      machine_busy_pct_before: idleBusyPct,
      loadavg_before: loadBefore,
      redis_pid: redisPid,
      service: {
        boot_ms: service.bootMs,
        worker_concurrency: o.workerConcurrency ?? 'default (cores + MAX_JOBS_PER_KEY)',
        pool_size: o.poolSize ?? 'default (= worker concurrency)',
        threads_at_end: threads,
        env: { ...service.env, API_KEYS: '<bench keys>' },
      },
    };
    result.raw = { bare_python: bare, cold_jail: coldJail, cold_jail_command: [jailPass[0], ...jailPass[1].filter((a) => !a.includes('\n'))].join(' ') };
    result.service_1conn = {
      back_to_back: { latency_ms: b2b, breakdown: breakdown(b2bTimes, b2bAnswers) },
      paced: { gap_ms: o.gapMs, latency_ms: paced, breakdown: breakdown(pacedTimes, pacedAnswers), cpu: pacedCpu },
    };
    result.saturated = {
      raw_cold_jails: rawPar,
      raw_bare_python: rawBarePar,
      service: { connections: o.concurrency, completed: sat.times.length, elapsed_s: sat.elapsedS, runs_per_s: satRps, latency_ms: summary(sat.times), breakdown: breakdown(sat.times, sat.answers), cpu: satCpu },
      ratio: satRps / rawPar.runs_per_s,
    };
    result.programs = {
      cpu: { loop_n: loopN, target_ms: o.cpuMs, bare: cpuBare, cold_jail: cpuJail, service: cpuSvc.latency, service_run_time_p50: cpuSvc.runTimeP50 },
      print_1mib: { bytes: PRINT_BYTES, bare: outBare, cold_jail: outJail, service: outSvc.latency, service_run_time_p50: outSvc.runTimeP50 },
      numpy_pandas: { bare: pandasBare, cold_jail: pandasJail, service: pandasSvc.latency, service_run_time_p50: pandasSvc.runTimeP50 },
    };
    result.fairness = fair;
    result.rss = {
      pid: service.child.pid,
      boot_kib: rssBoot,
      first_runs: runsFirst,
      after_first_kib: rssFirst,
      total_runs: runsTotal,
      after_total_kib: rssTotal,
      ratio: rssTotal / rssFirst,
      memory_after_first: memoryFirst,
      memory_after_total: memoryTotal,
      trend,
    };
    const target = (name, value, limit, met, extra = {}) => result.targets.push({ name, value, limit, met, ...extra });
    const pandasProgram = result.programs.numpy_pandas;
    const nodeCpu = satCpu.cpu_ms_per_run.service_process;
    target('p50 trivial request (paced) ≤ 0.3 × bare python', `${f2(paced.p50)} ms = ${f2(paced.p50 / bare.p50)} × bare`, `≤ ${f2(0.3 * bare.p50)} ms (0.3 × ${f2(bare.p50)})`, paced.p50 <= 0.3 * bare.p50, { ratio: paced.p50 / bare.p50 });
    target('p50 back-to-back (1 connection) ≤ 0.5 × bare python', `${f2(b2b.p50)} ms = ${f2(b2b.p50 / bare.p50)} × bare`, `≤ ${f2(0.5 * bare.p50)} ms`, b2b.p50 <= 0.5 * bare.p50, { ratio: b2b.p50 / bare.p50 });
    target('saturated ≥ 1.0 × raw parallel bare python spawns', `${f1(satRps)}/s = ${f2(satRps / rawBarePar.runs_per_s)} × bare, ${f2(satRps / rawPar.runs_per_s)} × cold jails`, `≥ ${f1(rawBarePar.runs_per_s)}/s`, satRps >= rawBarePar.runs_per_s, { ratio: satRps / rawBarePar.runs_per_s });
    target('numpy + pandas program (paced) ≤ 0.05 × cold jail', `${f1(pandasProgram.service.p50)} ms = ${f2(pandasProgram.service.p50 / pandasProgram.cold_jail.p50)} × cold jail`, `≤ ${f1(0.05 * pandasProgram.cold_jail.p50)} ms`, pandasProgram.service.p50 <= 0.05 * pandasProgram.cold_jail.p50, { ratio: pandasProgram.service.p50 / pandasProgram.cold_jail.p50 });
    target('Node CPU per run at saturation ≤ 3 ms', `${f2(nodeCpu)} ms`, '≤ 3 ms', nodeCpu <= 3, { ratio: nodeCpu / 3 });
    target(`RSS after ${runsTotal} runs within 10% of after ${runsFirst}`, `${f1(rssTotal / 1024)} / ${f1(rssFirst / 1024)} MiB = ${(rssTotal / rssFirst).toFixed(3)}`, '0.900 … 1.100', Math.abs(rssTotal / rssFirst - 1) <= 0.1, { ratio: rssTotal / rssFirst });
    target('fairness: key B p99 ≤ 250 ms, no errors, under key A\'s 4 hostile programs', `p99 ${f1(fair.polite_latency_ms.p99)} ms, ${fair.polite_errors.length} errors`, '≤ 250 ms, 0 errors', fair.polite_latency_ms.p99 <= 250 && fair.polite_errors.length === 0, { ratio: fair.polite_latency_ms.p99 / 250 });
    target('RSS idle (at boot) ≤ 150 MiB', `${f1(rssBoot / 1024)} MiB`, '≤ 150 MiB', rssBoot / 1024 <= 150, { ratio: rssBoot / 1024 / 150 });
    result.meta.duration_s = (performance.now() - began) / 1000;
  } catch (error) {
    log(`failed: ${error.stack ?? error.message}`);
    if (service.output) log(`service output (tail):\n${service.output}`);
    await stopAll();
    process.exit(1);
  }
  await stopAll();

  const text = render(result);
  console.log(text);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify({ ...roundDeep(result), table: text.split('\n') }, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), o.out)} (${f1(result.meta.duration_s)} s in all)`);
}

main().catch((error) => {
  console.error(`bench: ${process.env.BENCH_DEBUG ? error.stack : error.message}`);
  process.exit(1);
});
