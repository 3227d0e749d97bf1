import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { failedOutcome, type JailOptions } from './jail';
import type { RunLimits, RunOutcome, RunRequest } from './python-runner';
import type { CgroupDescription } from './run-cgroups';

export interface SlotInit {
  options: Omit<JailOptions, 'cgroups' | 'existingMounts'> & { existingMounts: Set<string> };
  cgroups: CgroupDescription;
  /** The host uid of the slot's jails (host-uids.ts). */
  hostUid: number;
  /** nsjail's own limit on a pooled jail's life (idle time plus the longest run), a backstop. */
  lifetimeSeconds: number;
  maxIdleMs: number;
}

export type SlotRequest = { type: 'run'; id: number; request: RunRequest } | { type: 'abort' } | { type: 'close' };
export type SlotReply = { type: 'outcome'; id: number; outcome: RunOutcome } | { type: 'ready' } | { type: 'closed' };

/** Under ts-jest the thread runs the TypeScript source through ts-node; built, it runs the JS. */
function workerEntry(): { file: string; execArgv: string[] } {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `jail-slot.worker${extension}`);
  return extension === '.ts' ? { file, execArgv: ['-r', 'ts-node/register/transpile-only'] } : { file, execArgv: [] };
}

/** The main-thread side of one pool slot (see jail-slot.worker.ts). */
export class JailSlot {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (outcome: RunOutcome) => void>();
  private nextId = 0;
  private closedResolve?: () => void;
  busy = false;
  /** A started jail is waiting in this slot. */
  ready = false;

  private readonly defaultLimits: RunLimits;

  constructor(init: SlotInit) {
    this.defaultLimits = init.options.defaultLimits;
    const { file, execArgv } = workerEntry();
    this.worker = new Worker(file, { workerData: init, execArgv });
    this.worker.unref();
    // A slot thread that dies answers its pending runs instead of leaving them hanging.
    this.worker.on('exit', () => this.settleAll('the sandbox pool thread exited'));
    this.worker.on('error', (error) => this.settleAll(`the sandbox pool thread failed: ${error.message}`));
    this.worker.on('message', (reply: SlotReply) => {
      if (reply.type === 'closed') {
        this.closedResolve?.();
        return;
      }
      if (reply.type === 'ready') {
        this.ready = true;
        return;
      }
      this.pending.get(reply.id)?.(reply.outcome);
      this.pending.delete(reply.id);
    });
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    this.busy = true;
    this.ready = false;
    try {
      const id = this.nextId++;
      const outcome = new Promise<RunOutcome>((resolve) => this.pending.set(id, resolve));
      this.worker.postMessage({ type: 'run', id, request } satisfies SlotRequest);
      return await outcome;
    } finally {
      this.busy = false;
    }
  }

  private settleAll(reason: string): void {
    for (const resolve of this.pending.values()) resolve(failedOutcome(reason, 0, this.defaultLimits));
    this.pending.clear();
    this.closedResolve?.();
  }

  /** Stops the run in progress; resolves once it has been answered. */
  async abort(): Promise<void> {
    const answered = [...this.pending.keys()].map(
      (id) => new Promise<void>((resolve) => {
        const settle = this.pending.get(id)!;
        this.pending.set(id, (outcome) => {
          settle(outcome);
          resolve();
        });
      }),
    );
    this.worker.postMessage({ type: 'abort' } satisfies SlotRequest);
    await Promise.all(answered);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.closedResolve = resolve;
    });
    this.worker.postMessage({ type: 'close' } satisfies SlotRequest);
    await closed;
    await this.worker.terminate();
  }
}
