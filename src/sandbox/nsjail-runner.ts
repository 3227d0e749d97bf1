import { Logger } from '@nestjs/common';
import { EgressPolicy, EgressProxy, EgressReport } from './egress-proxy';
import { HostUids } from './host-uids';
import { failedOutcome, Jail, JailOptions } from './jail';
import { JailSlot } from './jail-slot';
import { PythonRunner, RunLimits, RunOutcome, RunRequest } from './python-runner';

/** Extra life nsjail gives a jail beyond what the runner allows, as a backstop only. */
const BACKSTOP_SECONDS = 5;

export interface PoolSettings {
  /** Jails kept started and waiting for a program; 0 starts every jail on demand. */
  size: number;
  /** A waiting jail older than this is replaced by a fresh one. */
  maxIdleMs: number;
}

export interface NsjailRunnerOptions extends JailOptions {
  pool: PoolSettings;
  /** Null: egress is off, and a run asking for network is a sandbox error (the API refuses it first). */
  egress: EgressPolicy | null;
  /** The longest timeout a run may have. */
  maxTimeoutSeconds: number;
  /** Told what each run with network did (metrics). */
  onEgress?: (report: EgressReport) => void;
  hostUids: HostUids;
}

export function sameLimits(a: RunLimits, b: RunLimits): boolean {
  return a.memoryMb === b.memoryMb && a.maxProcesses === b.maxProcesses && a.cpus === b.cpus && a.maxOutputBytes === b.maxOutputBytes;
}

/**
 * Runs each program in a fresh, one-shot nsjail. With a pool, each slot (a worker thread)
 * keeps a jail started ahead of its program, so nsjail's and Python's start-up are off the
 * request's path; each jail runs one program and is destroyed, and the slot starts the next.
 * Without a free slot (or with SANDBOX_POOL_SIZE=0), and for a run with limits of its own (the
 * pooled jails are made for the defaults), a jail is started on demand.
 */
export class NsjailRunner implements PythonRunner {
  private readonly slots: JailSlot[];
  private readonly cold = new Set<Jail>();
  private readonly logger = new Logger('Sandbox');

  constructor(private readonly options: NsjailRunnerOptions) {
    const { pool, cgroups, maxTimeoutSeconds, egress, onEgress, hostUids, ...jailOptions } = options;
    this.slots = Array.from(
      { length: pool.size },
      (_, slot) =>
        new JailSlot({
          options: { ...jailOptions, existingMounts: new Set(jailOptions.existingMounts) },
          cgroups: cgroups.describe(),
          hostUid: hostUids.slot(slot),
          // A pooled jail may wait up to maxIdleMs before its program gets the longest timeout.
          lifetimeSeconds: Math.ceil(pool.maxIdleMs / 1000) + maxTimeoutSeconds + BACKSTOP_SECONDS,
          maxIdleMs: pool.maxIdleMs,
        }),
    );
  }

  run(request: RunRequest): Promise<RunOutcome> {
    const limits = request.limits ?? this.options.defaultLimits;
    if (request.network) return this.runWithEgress(request, limits);
    if (!sameLimits(limits, this.options.defaultLimits)) return this.runCold(request, limits);
    const free = this.slots.filter((candidate) => !candidate.busy);
    const slot = free.find((candidate) => candidate.ready) ?? free[0];
    return slot ? slot.run(request) : this.runCold(request, limits);
  }

  /** A one-shot jail with the run's own egress proxy mounted; its refusals and cuts go to stderr. */
  private async runWithEgress(request: RunRequest, limits: RunLimits): Promise<RunOutcome> {
    if (!this.options.egress) return failedOutcome('network was asked for but egress is off', 0, limits);
    const proxy = await EgressProxy.open(this.options.egress);
    let outcome: RunOutcome | undefined;
    try {
      outcome = await this.runCold(request, limits, proxy.socketDir);
      return outcome;
    } finally {
      const report = await proxy.close();
      this.logger.log({ egressHosts: report.hosts, egressBytes: report.bytes, allowed: report.allowed, refused: report.refused }, 'egress');
      this.options.onEgress?.(report);
      if (outcome && report.events.length > 0) outcome.stderr += `${outcome.stderr && !outcome.stderr.endsWith('\n') ? '\n' : ''}${report.events.join('\n')}\n`;
    }
  }

  /** A jail started for this run, as a host uid leased for the jail's life. */
  private async runCold(request: RunRequest, limits: RunLimits, egressSocketDir?: string): Promise<RunOutcome> {
    const { hostUids } = this.options;
    const hostUid = await hostUids.lease();
    const jail = await Jail.start(this.options, hostUid, request.timeoutSeconds + BACKSTOP_SECONDS, limits, egressSocketDir);
    if (!(jail instanceof Jail)) {
      hostUids.release(hostUid);
      return jail;
    }
    this.cold.add(jail);
    // The uid is free again once nsjail has ended: every process of the jail is gone then.
    void jail.finished.then(() => hostUids.release(hostUid));
    try {
      return await jail.run(request);
    } finally {
      this.cold.delete(jail);
      // Removing the cgroup is off the answer's path.
      void jail.dispose().catch(() => undefined);
    }
  }

  async abortAll(): Promise<void> {
    const cold = [...this.cold];
    for (const jail of cold) jail.stop('aborted');
    await Promise.all([...this.slots.map((slot) => slot.abort()), ...cold.map((jail) => jail.finished)]);
  }

  /** Stops the slots and their waiting jails (shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.close()));
  }
}
