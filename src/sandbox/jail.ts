import { ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CappedOutput } from './capped-output';
import { EGRESS_SOCKET } from './egress-proxy';
import { ADDRESS_SPACE_FACTOR, asHostUid, buildNsjailArgs, CONTROL_FD, cpuSecondsLimit, EGRESS_DIR, EGRESS_PORT, JailSettings, NSJAIL_LOG_FD } from './nsjail-args';
import { readNsjailLog } from './nsjail-log';
import { FilesLimit, HarnessRecord, RunFile, RunLimits, RunOutcome, RunRequest, Termination } from './python-runner';
import { CgroupDriver, CgroupLimits, RunCgroup } from './run-cgroups';
import { FORBIDDEN_SIGNAL } from './seccomp-policy';
import { randomUUID } from 'node:crypto';

const MIB = 1024 * 1024;
/** The run's CPU-time limit is its timeout plus this, × its CPUs. */
const CPU_LIMIT_MARGIN_SECONDS = 2;

export const LOG_CAP = 64 * 1024;
/** After SIGTERM nsjail kills the jail and removes what it made; SIGKILL only if it hangs. */
const KILL_ESCALATION_MS = 2000;
/**
 * Starts nsjail inside the run's cgroup: the shell writes its own pid to each cgroup.procs
 * given, then becomes nsjail (through setpriv, as the jail's host uid), so the jail is in the
 * cgroup from its first instruction.
 */
const JOIN_CGROUP_SCRIPT = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
export const JOIN_FAILED = 125;

/** Caps on the files a run leaves in its working directory (figures included). */
export interface OutputFileCaps {
  maxFiles: number;
  maxBytes: number;
}

export interface JailOptions {
  nsjailPath: string;
  harnessSource: string;
  jail: JailSettings;
  existingMounts: ReadonlySet<string>;
  cgroups: CgroupDriver;
  /** The limits of a run that asks for none; pre-started jails are made for these. */
  defaultLimits: RunLimits;
  outputFiles: OutputFileCaps;
  /** matplotlib's prebuilt font cache, as the jail sees it (absent from a runtime without matplotlib). */
  matplotlibCache: string | null;
}

/** The run's cgroup: nsjail itself runs in it too, one more process than the program may have. */
export function cgroupLimits(limits: RunLimits): CgroupLimits {
  return { memoryBytes: limits.memoryMb * MIB, maxPids: limits.maxProcesses + 1, cpus: limits.cpus };
}

/** Room for the record: the return value's JSON, the output files in base64, and the framing. */
export function recordCap(limits: RunLimits, files: OutputFileCaps): number {
  return limits.maxOutputBytes + Math.ceil(files.maxBytes / 3) * 4 + files.maxFiles * 1024 + 64 * 1024;
}

interface Ending {
  code: number | null;
  spawnError?: Error;
}

/**
 * Starts nsjail as `hostUid` (asHostUid), inside `cgroup` from its first instruction when there is one. Its descriptors:
 * stdin, stdout, stderr, then nsjail's log and the harness's control socket at their numbers.
 */
export function spawnNsjail(nsjailPath: string, args: string[], cgroup: RunCgroup | undefined, hostUid: number): ChildProcess {
  const nsjail = asHostUid(hostUid, [nsjailPath, ...args]);
  const [command, commandArgs] = cgroup
    ? ['/bin/sh', ['-c', JOIN_CGROUP_SCRIPT, 'sh', String(cgroup.procsFiles.length), ...cgroup.procsFiles, ...nsjail]]
    : [nsjail[0], nsjail.slice(1)];
  const stdio = Array.from({ length: Math.max(NSJAIL_LOG_FD, CONTROL_FD) + 1 }, () => 'pipe' as const);
  return spawn(command, commandArgs, { stdio, env: {} });
}

/** What the harness reads before it runs the code (harness.py, protocol). */
export function harnessPayload(request: RunRequest, limits: RunLimits, options: Pick<JailOptions, 'jail' | 'matplotlibCache' | 'outputFiles'>): string {
  const { cgroupLimits: cgroups, cpuCount } = options.jail;
  // Never fires while the service watches (the deadline comes first); it ends a run the
  // service can no longer stop (it died).
  const cpus = cgroups ? limits.cpus : cpuCount;
  const proxy = `http://127.0.0.1:${EGRESS_PORT}`;
  return JSON.stringify({
    code: request.code,
    // With network: requests, httpx and urllib go through the forwarder to the egress proxy.
    env: request.network ? { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, ...request.env } : request.env,
    ...(request.network && { egress: { socket: `${EGRESS_DIR}/${EGRESS_SOCKET}`, port: EGRESS_PORT } }),
    files: (request.files ?? []).map(({ path, content }) => [path, content]),
    matplotlib_cache: options.matplotlibCache,
    limits: {
      result_bytes: limits.maxOutputBytes,
      cpu_seconds: cpuSecondsLimit(request.timeoutSeconds + CPU_LIMIT_MARGIN_SECONDS, cpus),
      address_space_bytes: limits.memoryMb * MIB * (cgroups ? ADDRESS_SPACE_FACTOR : 1),
      processes: cgroups ? null : limits.maxProcesses,
      threads: Math.max(1, Math.floor(cpus)),
      output_files: options.outputFiles.maxFiles,
      output_files_bytes: options.outputFiles.maxBytes,
    },
  });
}

export function failedOutcome(sandboxError: string, runTimeMs: number, limits: RunLimits): RunOutcome {
  return { termination: 'sandbox_error', limits, exitCode: null, signal: null, stdout: '', stderr: '', record: null, runTimeMs, sandboxError };
}

/**
 * One nsjail around the Python harness, used for exactly one program. It can be started before
 * its code is known: the harness waits for code and env on its control socket, and the run's
 * deadline counts from the hand-over.
 */
export class Jail {
  readonly startedAt = performance.now();
  private termination: Termination = 'exited';
  private outputLimitStream?: 'stdout' | 'stderr';
  private escalation?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private handedOver = false;
  private readonly stdout: CappedOutput;
  private readonly stderr: CappedOutput;
  private readonly log = new CappedOutput(LOG_CAP);
  private readonly record: CappedOutput;
  private readonly ending: Promise<Ending>;
  /** True once the jail's process has ended (e.g. killed while idle in the pool). */
  ended = false;

  private constructor(
    private readonly options: JailOptions,
    private readonly child: ChildProcess,
    private readonly cgroup: RunCgroup | undefined,
    /** The limits this jail's cgroup was made for. */
    readonly limits: RunLimits,
  ) {
    this.stdout = new CappedOutput(limits.maxOutputBytes);
    this.stderr = new CappedOutput(limits.maxOutputBytes);
    this.record = new CappedOutput(recordCap(limits, options.outputFiles));
    child.stdout!.on('data', this.capture('stdout', this.stdout));
    child.stderr!.on('data', this.capture('stderr', this.stderr));
    this.logStream.on('data', (chunk: Buffer) => this.log.push(chunk));
    this.control.on('data', (chunk: Buffer) => this.record.push(chunk));
    // The program may exit without reading its input: a broken pipe is expected, not an error.
    for (const stream of [child.stdin!, this.control, this.logStream]) stream.on('error', () => undefined);
    this.ending = new Promise((resolve) => {
      let spawnError: Error | undefined;
      child.on('error', (error) => {
        spawnError = error;
      });
      child.on('close', (code) => {
        this.ended = true;
        clearTimeout(this.deadline);
        clearTimeout(this.escalation);
        resolve({ code, spawnError });
      });
    });
  }

  /**
   * Creates the run's cgroup for `limits` and starts nsjail in it. `backstopSeconds` bounds the
   * jail's whole life in nsjail itself, in case the service dies and cannot stop it.
   */
  static async start(options: JailOptions, hostUid: number, backstopSeconds: number, limits = options.defaultLimits, egressSocketDir?: string): Promise<Jail | RunOutcome> {
    const started = performance.now();
    let cgroup: RunCgroup | undefined;
    if (options.cgroups.mode !== 'none') {
      try {
        cgroup = await options.cgroups.create(`run-${randomUUID()}`, cgroupLimits(limits));
      } catch (error) {
        return failedOutcome(`cannot create the run's cgroup: ${(error as Error).message}`, performance.now() - started, limits);
      }
    }
    const { harnessSource, jail, existingMounts } = options;
    const args = buildNsjailArgs(jail, (mount) => existingMounts.has(mount), hostUid, backstopSeconds, harnessSource, egressSocketDir);
    return new Jail(options, spawnNsjail(options.nsjailPath, args, cgroup, hostUid), cgroup, limits);
  }

  private get logStream(): Socket {
    return this.child.stdio[NSJAIL_LOG_FD] as Socket;
  }

  private get control(): Socket {
    return this.child.stdio[CONTROL_FD] as Socket;
  }

  private capture(name: 'stdout' | 'stderr', sink: CappedOutput) {
    return (chunk: Buffer) => {
      if (!sink.push(chunk) && this.termination === 'exited') {
        this.outputLimitStream = name;
        this.stop('output_limit');
      }
    };
  }

  stop(why: Termination): void {
    if (this.termination !== 'exited' || this.ended) return;
    this.termination = why;
    this.child.kill('SIGTERM');
    this.escalation = setTimeout(() => this.child.kill('SIGKILL'), KILL_ESCALATION_MS);
  }

  /** Hands the program over (it must ask for this jail's limits) and waits for its end; the deadline starts now. */
  async run(request: RunRequest): Promise<RunOutcome> {
    if (this.handedOver) throw new Error('a jail runs one program only');
    this.handedOver = true;
    const handedOverAt = performance.now();
    this.control.end(harnessPayload(request, this.limits, this.options));
    this.child.stdin!.end(request.stdin ?? '');
    this.deadline = setTimeout(() => this.stop('timeout'), request.timeoutSeconds * 1000);
    const ending = await this.ending;
    const outcome = this.outcome(ending, performance.now() - handedOverAt);
    if (!this.cgroup || outcome.termination === 'sandbox_error') return outcome;
    return { ...outcome, ...(await this.cgroup.usage()) };
  }

  /** Resolves when the jail's process has ended. */
  get finished(): Promise<void> {
    return this.ending.then(() => undefined);
  }

  /** Stops the jail (if it still runs) and removes its cgroup. */
  async dispose(): Promise<void> {
    this.stop('aborted');
    await this.ending;
    await this.cgroup?.remove();
  }

  private outcome({ code, spawnError }: Ending, runTimeMs: number): RunOutcome {
    const { limits } = this;
    if (spawnError) return failedOutcome(`cannot start nsjail: ${spawnError.message}`, runTimeMs, limits);
    const log = this.log.text();
    if (this.cgroup && code === JOIN_FAILED && log === '') return failedOutcome("cannot move nsjail into the run's cgroup", runTimeMs, limits);
    const verdict = readNsjailLog(log);
    if (verdict.kind === 'failed' && this.termination === 'exited') return failedOutcome(verdict.reason, runTimeMs, limits);
    return {
      termination: this.termination,
      limits,
      outputLimitStream: this.outputLimitStream,
      exitCode: verdict.kind === 'exited' ? verdict.status : null,
      signal: verdict.kind === 'signaled' ? verdict.signal : null,
      forbiddenOperation: verdict.kind === 'signaled' && verdict.signal === FORBIDDEN_SIGNAL,
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      record: this.record.overflowed ? null : parseRecord(this.record.text()),
      runTimeMs,
    };
  }
}

const FILES_LIMITS: readonly FilesLimit[] = ['output_files', 'output_files_bytes'];

function parseFiles(value: unknown): RunFile[] | null {
  if (!Array.isArray(value)) return null;
  const files: RunFile[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || typeof item[1] !== 'string') return null;
    files.push({ path: item[0], content: item[1] });
  }
  return files;
}

/** Strict parse of the harness's record; anything unexpected counts as no record. */
export function parseRecord(text: string): HarnessRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const value = raw as Record<string, unknown>;
  const files = parseFiles(value.files);
  if (files === null) return null;
  const filesLimit = FILES_LIMITS.find((limit) => limit === value.files_limit);
  if (value.files_limit !== undefined && filesLimit === undefined) return null;
  const status = typeof value.status === 'number' && Number.isInteger(value.status) ? value.status : undefined;
  const outputs = { files, ...(filesLimit && { filesLimit }), ...(status !== undefined && { status }) };
  switch (value.kind) {
    case 'return':
      return 'result' in value ? { kind: 'return', result: value.result, ...outputs } : null;
    case 'exit':
      return { kind: 'exit', ...outputs };
    case 'exception':
      return typeof value.type === 'string' && typeof value.error === 'string'
        ? { kind: 'exception', type: value.type, error: value.error, ...outputs }
        : null;
    case 'result_too_large':
      return typeof value.bytes === 'number' ? { kind: 'result_too_large', bytes: value.bytes, ...outputs } : null;
    default:
      return null;
  }
}
