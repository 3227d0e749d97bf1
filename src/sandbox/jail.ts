import { ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CappedOutput } from './capped-output';
import { buildNsjailArgs, JailSettings } from './nsjail-args';
import { readNsjailLog } from './nsjail-log';
import { HarnessRecord, RunOutcome, RunRequest, Termination } from './python-runner';
import { CgroupDriver, RunCgroup, RunLimits } from './run-cgroups';
import { randomUUID } from 'node:crypto';

const LOG_CAP = 64 * 1024;
/** After SIGTERM nsjail kills the jail and removes what it made; SIGKILL only if it hangs. */
const KILL_ESCALATION_MS = 2000;
/**
 * Starts nsjail inside the run's cgroup: the shell writes its own pid to each cgroup.procs
 * given, then becomes nsjail, so the jail is in the cgroup from its first instruction.
 */
const JOIN_CGROUP_SCRIPT = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
const JOIN_FAILED = 125;

export interface JailOptions {
  nsjailPath: string;
  maxOutputBytes: number;
  harnessSource: string;
  jail: JailSettings;
  existingMounts: ReadonlySet<string>;
  cgroups: CgroupDriver;
  runLimits: RunLimits;
}

interface Ending {
  code: number | null;
  spawnError?: Error;
}

export function failedOutcome(sandboxError: string, runTimeMs: number): RunOutcome {
  return { termination: 'sandbox_error', exitCode: null, signal: null, stdout: '', stderr: '', record: null, runTimeMs, sandboxError };
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
  ) {
    this.stdout = new CappedOutput(options.maxOutputBytes);
    this.stderr = new CappedOutput(options.maxOutputBytes);
    // The record holds the JSON-encoded result, which the harness bounds by maxOutputBytes.
    this.record = new CappedOutput(options.maxOutputBytes + 64 * 1024);
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
   * Creates the run's cgroup and starts nsjail in it. `backstopSeconds` bounds the jail's whole
   * life in nsjail itself, in case the service dies and cannot stop it.
   */
  static async start(options: JailOptions, backstopSeconds: number): Promise<Jail | RunOutcome> {
    const started = performance.now();
    let cgroup: RunCgroup | undefined;
    if (options.cgroups.mode !== 'none') {
      try {
        cgroup = await options.cgroups.create(randomUUID(), options.runLimits);
      } catch (error) {
        return failedOutcome(`cannot create the run's cgroup: ${(error as Error).message}`, performance.now() - started);
      }
    }
    const { nsjailPath, harnessSource, jail, existingMounts } = options;
    const args = buildNsjailArgs(jail, (mount) => existingMounts.has(mount), backstopSeconds, harnessSource);
    const [command, commandArgs] = cgroup
      ? ['/bin/sh', ['-c', JOIN_CGROUP_SCRIPT, 'sh', String(cgroup.procsFiles.length), ...cgroup.procsFiles, nsjailPath, ...args]]
      : [nsjailPath, args];
    const child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'], env: {} });
    return new Jail(options, child, cgroup);
  }

  private get logStream(): Socket {
    return this.child.stdio[3] as Socket;
  }

  private get control(): Socket {
    return this.child.stdio[4] as Socket;
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

  /** Hands the program over and waits for its end; the deadline starts now. */
  async run(request: RunRequest): Promise<RunOutcome> {
    if (this.handedOver) throw new Error('a jail runs one program only');
    this.handedOver = true;
    const handedOverAt = performance.now();
    // CPU time cannot pass the deadline × the CPUs a run may use, so this limit never fires
    // while the service watches; it ends a run the service can no longer stop (it died).
    const cpus = this.options.jail.cgroupLimits ? this.options.runLimits.cpus : this.options.jail.cpuCount;
    const payload = {
      code: request.code,
      env: request.env,
      max_result_bytes: this.options.maxOutputBytes,
      cpu_seconds: Math.ceil((request.timeoutSeconds + 2) * cpus),
    };
    this.control.end(JSON.stringify(payload));
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
    if (spawnError) return failedOutcome(`cannot start nsjail: ${spawnError.message}`, runTimeMs);
    const log = this.log.text();
    if (this.cgroup && code === JOIN_FAILED && log === '') return failedOutcome("cannot move nsjail into the run's cgroup", runTimeMs);
    const verdict = readNsjailLog(log);
    if (verdict.kind === 'failed' && this.termination === 'exited') return failedOutcome(verdict.reason, runTimeMs);
    return {
      termination: this.termination,
      outputLimitStream: this.outputLimitStream,
      exitCode: verdict.kind === 'exited' ? verdict.status : null,
      signal: verdict.kind === 'signaled' ? verdict.signal : null,
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      record: this.record.overflowed ? null : parseRecord(this.record.text()),
      runTimeMs,
    };
  }
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
  switch (value.kind) {
    case 'return':
      if (typeof value.result_json !== 'string') return null;
      try {
        return { kind: 'return', result: JSON.parse(value.result_json) };
      } catch {
        return null;
      }
    case 'exit':
      return { kind: 'exit' };
    case 'exception':
      return typeof value.type === 'string' && typeof value.error === 'string'
        ? { kind: 'exception', type: value.type, error: value.error }
        : null;
    case 'result_too_large':
      return typeof value.bytes === 'number' ? { kind: 'result_too_large', bytes: value.bytes } : null;
    default:
      return null;
  }
}
