import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CappedOutput } from './capped-output';
import { buildNsjailArgs, JailSettings } from './nsjail-args';
import { readNsjailLog } from './nsjail-log';
import { HarnessRecord, PythonRunner, RunOutcome, RunRequest, Termination } from './python-runner';
import { CgroupDriver, RunCgroup, RunLimits } from './run-cgroups';

const LOG_CAP = 64 * 1024;
/** After SIGTERM nsjail kills the jail and removes its cgroups; SIGKILL only if it hangs. */
const KILL_ESCALATION_MS = 2000;
/**
 * Starts nsjail inside the run's cgroup: the shell writes its own pid to each cgroup.procs
 * given, then becomes nsjail, so the jail is in the cgroup from its first instruction.
 */
const JOIN_CGROUP_SCRIPT = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
const JOIN_FAILED = 125;

export interface NsjailRunnerOptions {
  nsjailPath: string;
  maxOutputBytes: number;
  harnessSource: string;
  jail: JailSettings;
  existingMounts: ReadonlySet<string>;
  cgroups: CgroupDriver;
  runLimits: RunLimits;
}

/** Runs each request in a fresh nsjail (STANDALONE_ONCE) around the Python harness. */
export class NsjailRunner implements PythonRunner {
  private readonly inProgress = new Set<(why: Termination) => void>();

  constructor(private readonly options: NsjailRunnerOptions) {}

  abortAll(): void {
    for (const stop of this.inProgress) stop('aborted');
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    const started = performance.now();
    let cgroup: RunCgroup | undefined;
    if (this.options.cgroups.mode !== 'none') {
      try {
        cgroup = await this.options.cgroups.create(randomUUID(), this.options.runLimits);
      } catch (error) {
        return failed(`cannot create the run's cgroup: ${(error as Error).message}`, performance.now() - started);
      }
    }
    try {
      const outcome = await this.runJail(request, started, cgroup);
      if (!cgroup || outcome.termination === 'sandbox_error') return outcome;
      const usage = await cgroup.usage();
      return { ...outcome, ...usage };
    } finally {
      await cgroup?.remove();
    }
  }

  private runJail(request: RunRequest, started: number, cgroup: RunCgroup | undefined): Promise<RunOutcome> {
    const { nsjailPath, maxOutputBytes, harnessSource, jail, existingMounts } = this.options;
    const args = buildNsjailArgs(jail, (mount) => existingMounts.has(mount), request.timeoutSeconds, harnessSource);
    const [command, commandArgs] = cgroup
      ? ['/bin/sh', ['-c', JOIN_CGROUP_SCRIPT, 'sh', String(cgroup.procsFiles.length), ...cgroup.procsFiles, nsjailPath, ...args]]
      : [nsjailPath, args];
    const child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'], env: {} });
    const stdout = new CappedOutput(maxOutputBytes);
    const stderr = new CappedOutput(maxOutputBytes);
    const log = new CappedOutput(LOG_CAP);
    // The record holds the JSON-encoded result, which the harness bounds by maxOutputBytes.
    const record = new CappedOutput(maxOutputBytes + 64 * 1024);
    let termination: Termination = 'exited';
    let outputLimitStream: 'stdout' | 'stderr' | undefined;
    let spawnError: Error | undefined;
    let escalation: NodeJS.Timeout | undefined;

    const stop = (why: Termination) => {
      if (termination !== 'exited') return;
      termination = why;
      child.kill('SIGTERM');
      escalation = setTimeout(() => child.kill('SIGKILL'), KILL_ESCALATION_MS);
    };
    const capture = (name: 'stdout' | 'stderr', sink: CappedOutput) => (chunk: Buffer) => {
      if (!sink.push(chunk) && termination === 'exited') {
        outputLimitStream = name;
        stop('output_limit');
      }
    };

    child.stdout!.on('data', capture('stdout', stdout));
    child.stderr!.on('data', capture('stderr', stderr));
    const logStream = child.stdio[3] as Socket;
    logStream.on('data', (chunk: Buffer) => log.push(chunk));
    const control = child.stdio[4] as Socket;
    control.on('data', (chunk: Buffer) => record.push(chunk));
    // The program may exit without reading its input: a broken pipe is expected, not an error.
    for (const stream of [child.stdin!, control, logStream]) stream.on('error', () => undefined);
    control.end(JSON.stringify({ code: request.code, env: request.env, max_result_bytes: maxOutputBytes }));
    child.stdin!.end(request.stdin ?? '');

    const deadline = setTimeout(() => stop('timeout'), request.timeoutSeconds * 1000);
    this.inProgress.add(stop);

    return new Promise<RunOutcome>((resolve) => {
      child.on('error', (error) => {
        spawnError = error;
      });
      child.on('close', (code) => {
        this.inProgress.delete(stop);
        clearTimeout(deadline);
        clearTimeout(escalation);
        const runTimeMs = performance.now() - started;
        const base = { stdout: stdout.text(), stderr: stderr.text(), runTimeMs };
        if (spawnError) {
          resolve(failed(`cannot start nsjail: ${spawnError.message}`, runTimeMs));
          return;
        }
        if (cgroup && code === JOIN_FAILED && log.text() === '') {
          resolve(failed("cannot move nsjail into the run's cgroup", runTimeMs));
          return;
        }
        const verdict = readNsjailLog(log.text());
        if (verdict.kind === 'failed' && termination === 'exited') {
          resolve(failed(verdict.reason, runTimeMs));
          return;
        }
        resolve({
          ...base,
          termination,
          outputLimitStream,
          exitCode: verdict.kind === 'exited' ? verdict.status : null,
          signal: verdict.kind === 'signaled' ? verdict.signal : null,
          record: record.overflowed ? null : parseRecord(record.text()),
        });
      });
    });
  }
}

function failed(sandboxError: string, runTimeMs: number): RunOutcome {
  return { termination: 'sandbox_error', exitCode: null, signal: null, stdout: '', stderr: '', record: null, runTimeMs, sandboxError };
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
