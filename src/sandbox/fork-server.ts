import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CappedOutput } from './capped-output';
import { cgroupLimits, harnessPayload, JailOptions, LOG_CAP, parseRecord, recordCap, spawnNsjail } from './jail';
import { buildZygoteArgs, CONTROL_FD, ForkServerUids, NSJAIL_LOG_FD, zygoteRunSettings } from './nsjail-args';
import { RunOutcome, RunRequest, Termination } from './python-runner';
import { RunCgroup } from './run-cgroups';
import { FORBIDDEN_SIGNAL, libseccompRules } from './seccomp-policy';

export interface ForkServerOptions extends JailOptions {
  /** harness.py followed by zygote.py. */
  zygoteSource: string;
  /** Modules the zygote imports once, so that runs find them loaded. */
  preload: string[];
}

/** Frame types of the zygote's protocol (zygote.py). */
const FRAME = { run: 'R', ready: 'Y', stdout: 'O', stderr: 'E', record: 'C', done: 'D', exit: 'X', fatal: 'F' } as const;
const HEADER_BYTES = 5;
/** nsjail, the zygote and its threads (preloaded libraries' pools), its forker, and a run's process until it is parked in its cgroup. */
const SLOT_PIDS = 16;
/** After SIGTERM nsjail kills the jail and removes what it made; SIGKILL only if it hangs. */
const KILL_ESCALATION_MS = 2000;
/** The slot cgroup's (zygote's) share of contended CPU, in runs' shares. */
const SLOT_CPU_WEIGHT = 8;
/** Emptied run cgroups a server keeps for its next runs; more (runs that ended while others were parked) are removed. */
const MAX_SPARE_CGROUPS = 2;
/** SIGKILL: how a run killed through its cgroup ended, when its wait status is late. */
const KILLED_SIGNAL = 9;
/** How long a run killed through its cgroup may take to end its output before its server is stopped. */
const RUN_KILL_WAIT_MS = 2000;
/** How long a server may take to park a run's process (at start: with its preload imported) before it is stopped and rebuilt. */
const PARK_TIMEOUT_MS = 30_000;
/** Searches of /proc for a parked process before the server gives up on it. */
const HOST_PID_SEARCHES = 5;

interface CurrentRun {
  stdout: CappedOutput;
  stderr: CappedOutput;
  record: CappedOutput;
  cgroup: RunCgroup | undefined;
  startedAt: number;
  deadline: NodeJS.Timeout;
  termination: Termination;
  outputLimitStream?: 'stdout' | 'stderr';
  runTimeMs?: number;
  /** The cgroup's counters, read when the run's output was complete (its processes are killed then). */
  usage?: Partial<RunOutcome>;
  resolve: ((outcome: RunOutcome) => void) | undefined;
}

/** The parked run process, ready for a program, and its cgroup (it is moved there when parked). */
interface Parked {
  cgroup: RunCgroup | undefined;
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The host pid of a process of the jail, from its pid in the jail's pid namespace (NSpid).
 * Synchronous: /proc reads take microseconds. A children list is read by position, so it can skip
 * a child while a sibling exits (an ended run's process): a search that misses is made again.
 */
function hostPidOf(rootPid: number, jailPid: number): number {
  for (let attempt = 0; attempt < HOST_PID_SEARCHES; attempt++) {
    const found = searchHostPid(rootPid, jailPid);
    if (found !== undefined) return found;
  }
  throw new Error(`no process ${jailPid} in the fork server's jail`);
}

function searchHostPid(rootPid: number, jailPid: number): number | undefined {
  let generation = [rootPid];
  for (let depth = 0; depth < 4 && generation.length > 0; depth++) {
    const next: number[] = [];
    for (const parent of generation) {
      for (const pid of readProc(`/proc/${parent}/task/${parent}/children`).split(' ').filter(Boolean).map(Number)) {
        const nspid = /^NSpid:\s+(.*)$/m.exec(readProc(`/proc/${pid}/status`))?.[1].split(/\s+/).map(Number);
        if (nspid && nspid[1] === jailPid) return pid;
        next.push(pid);
      }
    }
    generation = next;
  }
  return undefined;
}

/**
 * One pool slot as a fork server: a long-lived nsjail whose zygote has the harness and the
 * preload list imported, and forks a fresh sandboxed process per run (zygote.py). The service
 * puts each run's process into a cgroup of its own before the run; after the run it is emptied and
 * serves a later run. A run that must be stopped (deadline, output cap) is killed through its
 * cgroup — its pid 1 among the rest, and with pid 1 the kernel kills its whole pid namespace —
 * and the server goes on; without
 * cgroups, or when the run does not end at once, the whole server stops and the runner starts a
 * new one (as on shutdown).
 */
export class ForkServer {
  private readonly child: ChildProcess;
  private readonly log = new CappedOutput(LOG_CAP);
  private inbox: Buffer = Buffer.alloc(0);
  private parked?: Promise<Parked>;
  /** Run cgroups of ended runs, emptied and reset, for the next runs to park in. */
  private readonly spareCgroups: RunCgroup[] = [];
  /** Stops the server if no run's process is parked in time. */
  private parkDeadline?: NodeJS.Timeout;
  private current?: CurrentRun;
  /** Runs whose output is complete, waiting for their wait status (X), oldest first. */
  private readonly ending: CurrentRun[] = [];
  /** Stopped (or stopping): it takes no run any more. */
  stopping = false;
  private escalation?: NodeJS.Timeout;
  readonly startedAt = performance.now();
  /** Resolves when the server's process has ended. */
  readonly ended: Promise<void>;
  private readyWaiters: Array<(ready: boolean) => void> = [];
  busy = false;
  dead = false;

  constructor(
    private readonly options: ForkServerOptions,
    uids: ForkServerUids,
    private readonly slotCgroup: RunCgroup | undefined,
  ) {
    const { jail, existingMounts, zygoteSource, preload, defaultLimits } = options;
    const config = {
      ...zygoteRunSettings(jail),
      preload,
      threads: Math.max(1, Math.floor(jail.cgroupLimits ? defaultLimits.cpus : jail.cpuCount)),
      seccomp: libseccompRules(),
    };
    const args = buildZygoteArgs(jail, (mount) => existingMounts.has(mount), uids, zygoteSource, config);
    this.child = spawnNsjail(options.nsjailPath, args, slotCgroup, uids.zygote);
    for (const stream of [this.child.stdin!, this.control, this.logStream]) stream.on('error', () => undefined);
    this.logStream.on('data', (chunk: Buffer) => this.log.push(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.log.push(chunk));
    this.child.stdout!.resume();
    this.control.on('data', (chunk: Buffer) => this.receive(chunk));
    this.expectParking();
    this.ended = new Promise((resolve) => {
      this.child.on('error', () => undefined);
      this.child.on('close', () => {
        this.dead = true;
        clearTimeout(this.escalation);
        clearTimeout(this.parkDeadline);
        this.settleReady(false);
        const failure = `the fork server ended (${this.diagnostics()})`;
        const runs = [...this.ending.splice(0), ...(this.current ? [this.current] : [])];
        this.current = undefined;
        void Promise.all(runs.map((run) => this.finish(run, null, failure))).finally(resolve);
      });
    });
  }

  /**
   * The zygote parks the next run's process now (at start, and when a run's output ended): a
   * server whose process never reports ready (its zygote hung, the process stopped) is stopped, so
   * the slot is rebuilt instead of staying unready for good.
   */
  private expectParking(): void {
    clearTimeout(this.parkDeadline);
    this.parkDeadline = setTimeout(() => {
      this.log.push(Buffer.from(`no run process parked within ${PARK_TIMEOUT_MS} ms\n`));
      this.stop('sandbox_error');
    }, PARK_TIMEOUT_MS);
    this.parkDeadline.unref();
  }

  /** Creates the slot's cgroup (zygote and nsjail) and starts the server in it. */
  static async start(options: ForkServerOptions, uids: ForkServerUids): Promise<ForkServer> {
    let slotCgroup: RunCgroup | undefined;
    if (options.cgroups.mode !== 'none') {
      const { maxMemoryMb, cpuCount } = options.jail;
      // The zygote's work (forking, parking the next run) comes before the runs' when CPU is
      // contended: hostile runs at their quota must not keep a slot from becoming ready.
      const limits = { memoryBytes: (maxMemoryMb + 512) * 1024 * 1024, maxPids: SLOT_PIDS, cpus: cpuCount, cpuWeight: SLOT_CPU_WEIGHT };
      slotCgroup = await options.cgroups.create(`slot-${randomUUID()}`, limits);
    }
    return new ForkServer(options, uids, slotCgroup);
  }

  private get control(): Socket {
    return this.child.stdio[CONTROL_FD] as Socket;
  }

  private get logStream(): Socket {
    return this.child.stdio[NSJAIL_LOG_FD] as Socket;
  }

  /** nsjail's and the zygote's own messages, for the reason of a failure. */
  diagnostics(): string {
    return this.log.text().trim().split('\n').slice(-5).join(' | ') || 'no message';
  }

  /** Resolves true once a run process is parked and in its cgroup, false if the server died first. */
  whenReady(): Promise<boolean> {
    if (this.dead) return Promise.resolve(false);
    if (this.parked && !this.busy) return this.parked.then(() => true, () => false);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private settleReady(ready: boolean): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve(ready);
  }

  private receive(chunk: Buffer): void {
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    while (this.inbox.length >= HEADER_BYTES) {
      const length = this.inbox.readUInt32BE(0);
      if (this.inbox.length < HEADER_BYTES + length) return;
      const type = String.fromCharCode(this.inbox[4]);
      const data = this.inbox.subarray(HEADER_BYTES, HEADER_BYTES + length);
      this.inbox = this.inbox.subarray(HEADER_BYTES + length);
      this.frame(type, data);
    }
  }

  private frame(type: string, data: Buffer): void {
    const run = this.current;
    switch (type) {
      case FRAME.ready:
        clearTimeout(this.parkDeadline);
        this.parked = this.park(Number(data.toString()));
        this.parked.then(
          () => this.settleReady(true),
          (error: Error) => {
            this.log.push(Buffer.from(`cannot put the run process in its cgroup: ${error.message}\n`));
            this.stop('sandbox_error');
          },
        );
        return;
      case FRAME.stdout:
      case FRAME.stderr: {
        if (!run) return;
        const name = type === FRAME.stdout ? 'stdout' : 'stderr';
        if (!run[name].push(data) && run.termination === 'exited') {
          run.outputLimitStream = name;
          this.stopRun(run, 'output_limit');
        }
        return;
      }
      case FRAME.record:
        run?.record.push(data);
        return;
      case FRAME.done:
        if (!run) return;
        this.current = undefined;
        run.runTimeMs = performance.now() - run.startedAt;
        this.ending.push(run);
        this.busy = false;
        this.expectParking();
        void this.complete(run);
        return;
      case FRAME.exit: {
        const ended = this.ending.shift();
        if (ended) void this.finish(ended, Number(data.toString()));
        return;
      }
      case FRAME.fatal:
        this.log.push(Buffer.concat([Buffer.from('zygote: '), data, Buffer.from('\n')]));
        return;
    }
  }

  /**
   * The parked process goes into a run cgroup of its own with the default limits: an ended run's,
   * reset, or a new one. A spare that is gone (another service process on the host swept it as
   * stale at its boot: it was empty for a minute) is removed once the process is in another.
   */
  private async park(jailPid: number): Promise<Parked> {
    if (this.options.cgroups.mode === 'none') return { cgroup: undefined };
    const hostPid = hostPidOf(this.child.pid!, jailPid);
    const unusable: RunCgroup[] = [];
    try {
      for (;;) {
        const spare = this.spareCgroups.pop();
        const cgroup = spare ?? (await this.options.cgroups.create(`run-${randomUUID()}`, cgroupLimits(this.options.defaultLimits)));
        try {
          // Moving a process between cgroups can wait on the kernel for milliseconds: off the event loop.
          await Promise.all(cgroup.procsFiles.map((file) => writeFile(file, String(hostPid))));
          return { cgroup };
        } catch (error) {
          unusable.push(cgroup);
          if (!spare) throw error;
        }
      }
    } finally {
      await Promise.all(unusable.map((cgroup) => cgroup.remove().catch(() => undefined)));
    }
  }


  /** Hands a program to the parked process (the caller claimed the ready server: busy) and waits for its end. */
  async run(request: RunRequest): Promise<RunOutcome> {
    if (this.dead || !this.parked) {
      this.busy = false;
      throw new Error('the fork server is not ready');
    }
    this.busy = true;
    const { cgroup } = await this.parked;
    if (this.stopping || this.dead) {
      // Stopped while the run was being handed over: the runner decides where it goes instead.
      this.busy = false;
      throw new Error('the fork server is stopping');
    }
    this.parked = undefined;
    const limits = this.options.defaultLimits;
    const payload = Buffer.from(harnessPayload(request, limits, this.options));
    const stdin = Buffer.from(request.stdin ?? '');
    const body = Buffer.alloc(4 + payload.length + stdin.length);
    body.writeUInt32BE(payload.length, 0);
    payload.copy(body, 4);
    stdin.copy(body, 4 + payload.length);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(body.length, 0);
    header[4] = FRAME.run.charCodeAt(0);
    return new Promise<RunOutcome>((resolve) => {
      const run: CurrentRun = {
        stdout: new CappedOutput(limits.maxOutputBytes),
        stderr: new CappedOutput(limits.maxOutputBytes),
        record: new CappedOutput(recordCap(limits, this.options.outputFiles)),
        cgroup,
        startedAt: performance.now(),
        deadline: setTimeout(() => this.expire(run), request.timeoutSeconds * 1000),
        termination: 'exited',
        resolve,
      };
      this.current = run;
      this.control.write(Buffer.concat([header, body]));
    });
  }

  /**
   * The deadline: a run in progress is stopped (408). Of a run whose output ended, whatever
   * lingers is killed through its cgroup, and if its wait status has still not come it is
   * answered as killed (SIGKILL).
   */
  private expire(run: CurrentRun): void {
    if (run === this.current) {
      this.stopRun(run, 'timeout');
      return;
    }
    if (!run.cgroup) {
      this.stop('timeout', run);
      return;
    }
    // Its output ended but no wait status came by its deadline: whatever is left of it goes, and a
    // run still unanswered is answered as killed rather than left waiting for a status that may never come.
    void run.cgroup.remove().then(
      () => this.answerKilled(run),
      () => this.stop('timeout', run),
    );
  }

  /**
   * Ends the current run as `why` without the server: every process of its cgroup is killed,
   * so its output ends (D) and its wait status follows (X), answered as `why`. Without a cgroup,
   * or if its output has not ended within RUN_KILL_WAIT_MS, the server stops instead. A run whose
   * output ended but whose wait status is late (a big pid namespace torn down on a busy host) is
   * answered as `why` then: the server, maybe serving the next run already, goes on.
   */
  private stopRun(run: CurrentRun, why: Termination): void {
    if (!run.cgroup) {
      this.stop(why);
      return;
    }
    run.termination = why;
    run.cgroup.kill();
    setTimeout(() => {
      if (!run.resolve) return;
      if (this.current === run) this.stop(why, run);
      else this.answerKilled(run);
    }, RUN_KILL_WAIT_MS).unref();
  }

  /**
   * The run's output is complete: its processes have exited or closed it all. Whatever of it is
   * left is killed now (through its cgroup), so nothing of a run outlives its answer. A run whose
   * harness wrote a record with its exit status is answered at once, before its namespaces are
   * torn down; a signal, or no record, waits for the real wait status (X).
   */
  private async complete(run: CurrentRun): Promise<void> {
    if (run.cgroup) {
      run.usage = await run.cgroup.usage().catch(() => undefined);
      // The cgroup itself goes once the run's namespaces are gone (X): rmdir succeeds at once then.
      run.cgroup.kill();
    } else {
      // No cgroup to kill it through: a run still there a second later stops the server.
      setTimeout(() => {
        if (this.ending.includes(run)) this.stop('sandbox_error', run);
      }, 1000).unref();
    }
    const record = run.record.overflowed ? null : parseRecord(run.record.text());
    if (record?.status === undefined || run.termination !== 'exited') return;
    this.answer(run, { exitCode: record.status, signal: null, record }, run.usage);
  }

  /** Ends a run with its wait status, or (null) because the server died; removes its cgroup. */
  private async finish(run: CurrentRun, waitStatus: number | null, failure?: string): Promise<void> {
    clearTimeout(run.deadline);
    if (run.resolve) {
      const exited = waitStatus !== null && waitStatus >= 0 && (waitStatus & 0x7f) === 0;
      const signal = waitStatus !== null && waitStatus >= 0 && !exited ? waitStatus & 0x7f : null;
      // No status (the server died), or -1: its forker could not report one.
      const died = (waitStatus === null || waitStatus < 0) && run.termination === 'exited';
      const record = run.record.overflowed || waitStatus === null ? null : parseRecord(run.record.text());
      this.answer(
        run,
        { exitCode: exited ? (waitStatus! >> 8) & 0xff : null, signal, record, ...(died && { termination: 'sandbox_error' as const, sandboxError: failure ?? "the run's wait status was lost (the fork server's forker ended)" }) },
        run.usage ?? (await run.cgroup?.usage().catch(() => undefined)),
      );
    }
    if (!run.cgroup) return;
    // Its namespaces are gone (X), so normally no process is left: the cgroup serves a later run.
    if (!this.stopping && !this.dead && this.spareCgroups.length < MAX_SPARE_CGROUPS && run.cgroup.reuse()) this.spareCgroups.push(run.cgroup);
    else await run.cgroup.remove().catch(() => undefined);
  }

  /** A run killed through its cgroup whose wait status did not come: answered as SIGKILL. */
  private answerKilled(run: CurrentRun): void {
    this.answer(run, { exitCode: null, signal: KILLED_SIGNAL, record: null }, run.usage);
  }

  private answer(run: CurrentRun, end: Pick<RunOutcome, 'exitCode' | 'signal' | 'record'> & Partial<RunOutcome>, usage?: Partial<RunOutcome>): void {
    const resolve = run.resolve;
    if (!resolve) return;
    run.resolve = undefined;
    resolve({
      termination: run.termination,
      limits: this.options.defaultLimits,
      forbiddenOperation: end.signal === FORBIDDEN_SIGNAL,
      stdout: run.stdout.text(),
      stderr: run.stderr.text(),
      runTimeMs: run.runTimeMs ?? performance.now() - run.startedAt,
      outputLimitStream: run.outputLimitStream,
      ...end,
      ...usage,
    });
  }

  /**
   * Stops the server. `run` (by default the one in progress) ends as `why`; a run in progress
   * that is not `run` is not blamed for it: it fails as the server's (500).
   */
  stop(why: Termination, run: CurrentRun | undefined = this.current): void {
    if (run && run.termination === 'exited') run.termination = why;
    if (this.stopping || this.dead) return;
    this.stopping = true;
    this.child.kill('SIGTERM');
    this.escalation = setTimeout(() => this.child.kill('SIGKILL'), KILL_ESCALATION_MS);
  }

  /** Stops the server and removes its cgroups. */
  async dispose(): Promise<void> {
    this.stop('aborted');
    await this.ended;
    const parked = await this.parked?.catch(() => undefined);
    await parked?.cgroup?.remove().catch(() => undefined);
    await Promise.all(this.spareCgroups.splice(0).map((cgroup) => cgroup.remove().catch(() => undefined)));
    await this.slotCgroup?.remove().catch(() => undefined);
  }
}
