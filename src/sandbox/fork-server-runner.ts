import { Logger } from '@nestjs/common';
import { TIMED_OUT, within } from '../common/deadline';
import { ForkServer, ForkServerOptions } from './fork-server';
import { failedOutcome } from './jail';
import { NsjailRunner, NsjailRunnerOptions, sameLimits } from './nsjail-runner';
import { importsOnly } from './program-imports';
import { PythonRunner, RunOutcome, RunRequest } from './python-runner';

/** A server that died (or could not start) is started again after this long. */
const RESTART_DELAY_MS = 1000;
/** How long a run waits for a slot's server to become ready before it takes a one-shot jail. */
const READY_WAIT_MS = 5000;
/** How long a program a lean server may run waits for one to become ready before any ready server takes it. */
const LEAN_WAIT_MS = 100;

export type ForkServerRunnerOptions = ForkServerOptions &
  NsjailRunnerOptions & {
    /** With lean servers: the modules (the standard library's) a program may import to be run by one. */
    leanServerModules: ReadonlySet<string> | null;
  };

/**
 * Runs programs in fork servers (fork-server.ts), one per pool slot, so a run costs a fork of
 * an interpreter that has its modules loaded, not a cold start. With lean servers each slot has a
 * second server, without the preload, for programs that import only the standard library: its
 * smaller image is faster to fork and to tear down (any server runs any program alike: while
 * every lean server runs a program, a full one takes the next). A run with limits of its own, or
 * one that finds no server ready in time, gets a one-shot jail instead (same isolation).
 */
export class ForkServerRunner implements PythonRunner {
  private readonly logger = new Logger('Sandbox');
  private readonly servers: (ForkServer | undefined)[];
  private readonly oneShot: NsjailRunner;
  private closed = false;
  /** Set by abortAll (shutdown): a run not handed over yet never starts. */
  private aborting = false;

  constructor(private readonly options: ForkServerRunnerOptions) {
    this.oneShot = new NsjailRunner({ ...options, pool: { ...options.pool, size: 0 } });
    // Slots [0, pool size) hold full servers, the next ones lean servers; each has its own host uids.
    const slots = Math.max(1, options.pool.size) * (options.leanServerModules ? 2 : 1);
    this.servers = Array.from({ length: slots }, () => undefined);
    this.servers.forEach((_, slot) => void this.startServer(slot));
  }

  private async startServer(slot: number): Promise<void> {
    if (this.closed) return;
    let server: ForkServer;
    try {
      // A server replacing one of the slot's takes its uids: the old one's processes are all gone.
      const options = this.isLean(slot) ? { ...this.options, preload: [] } : this.options;
      server = await ForkServer.start(options, { zygote: this.options.hostUids.zygote(slot), runs: this.options.hostUids.slot(slot) });
    } catch (error) {
      this.logger.error(`fork server ${slot} could not start: ${(error as Error).message}`);
      setTimeout(() => void this.startServer(slot), RESTART_DELAY_MS).unref();
      return;
    }
    this.servers[slot] = server;
    void server.ended.then(async () => {
      if (this.servers[slot] === server) this.servers[slot] = undefined;
      await server.dispose();
      if (this.closed) return;
      // A server stopped on purpose (deadline, output cap) is replaced at once; one that died on its own after a pause.
      const quick = performance.now() - server.startedAt > 10_000;
      if (!quick) this.logger.warn(`fork server ${slot} ended: ${server.diagnostics()}`);
      setTimeout(() => void this.startServer(slot), quick ? 0 : RESTART_DELAY_MS).unref();
    });
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    if (request.network || (request.limits && !sameLimits(request.limits, this.options.defaultLimits))) return this.oneShot.run(request);
    const lean = this.options.leanServerModules !== null && importsOnly(request.code, this.options.leanServerModules);
    const server = await this.readyServer(lean);
    if (this.aborting) {
      if (server) server.busy = false;
      return this.abortedBeforeStart();
    }
    if (!server) return this.oneShot.run(request);
    try {
      return await server.run(request);
    } catch (error) {
      if (this.aborting) return this.abortedBeforeStart();
      // It died between being claimed and the hand-over: the run takes a one-shot jail.
      this.logger.warn(`fork server unusable: ${(error as Error).message}`);
      return this.oneShot.run(request);
    }
  }

  private isLean(slot: number): boolean {
    return slot >= Math.max(1, this.options.pool.size);
  }

  /** Servers of a kind that serve no run now (ready, or parking their next run's process). */
  private free(lean: boolean): ForkServer[] {
    return this.servers.filter((server, slot): server is ForkServer => server !== undefined && this.isLean(slot) === lean && !server.busy && !server.dead && !server.stopping);
  }

  /**
   * A free server that is ready, or becomes ready within READY_WAIT_MS; claimed (busy) for the
   * caller. A program a lean server may run waits up to LEAN_WAIT_MS for a free lean one (parking
   * takes a few ms); after that, or while every lean server is running a program, any free server
   * takes it — parking can take seconds while the kernel serialises cgroup moves behind a fork
   * bomb's, and a ready full server must not sit idle meanwhile.
   */
  private async readyServer(lean: boolean): Promise<ForkServer | undefined> {
    const start = performance.now();
    const deadline = start + READY_WAIT_MS;
    while (performance.now() < deadline) {
      const freeLean = lean ? this.free(true) : [];
      const leanOnly = freeLean.length > 0 && performance.now() - start < LEAN_WAIT_MS;
      const free = leanOnly ? freeLean : [...freeLean, ...this.free(false)];
      if (free.length === 0) return undefined;
      // Bounded: a server that never becomes ready (its next process not parked) does not hold the run.
      const until = leanOnly ? start + LEAN_WAIT_MS : deadline;
      const first = await within(Promise.race(free.map((server) => server.whenReady().then((ok) => (ok ? server : undefined)))), until - performance.now());
      const ready = first === TIMED_OUT ? undefined : first;
      if (ready && !ready.busy && !ready.dead && !ready.stopping) {
        ready.busy = true; // claimed in the same tick as checked: no other run can take it
        return ready;
      }
      if (!ready && first !== TIMED_OUT) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  }

  private abortedBeforeStart(): RunOutcome {
    return { ...failedOutcome('aborted before it started', 0, this.options.defaultLimits), termination: 'aborted' };
  }

  async abortAll(): Promise<void> {
    this.aborting = true;
    const running = this.servers.filter((server): server is ForkServer => server !== undefined && server.busy);
    for (const server of running) server.stop('aborted');
    await Promise.all([...running.map((server) => server.ended), this.oneShot.abortAll()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.servers.map((server) => server?.dispose()), this.oneShot.close()]);
  }
}
