/**
 * One pool slot, in a worker thread: keeps one jail started ahead of its program, runs the
 * program handed to it, then starts the next jail. Spawning a process blocks the spawning
 * thread for as long as the kernel takes to copy the (large) service process; here that
 * happens off the thread that answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { failedOutcome, Jail } from './jail';
import { RunOutcome, RunRequest } from './python-runner';
import { cgroupDriverFrom } from './run-cgroups';
import type { SlotInit, SlotReply, SlotRequest } from './jail-slot';

const init = workerData as SlotInit;
const options = { ...init.options, cgroups: cgroupDriverFrom(init.cgroups) };
const RETRY_MS = 1000;

let next: Promise<Jail | RunOutcome> | undefined;
let current: Jail | undefined;
/** The run in progress (from its arrival to its answer), for shutdown to wait on. */
let inProgress: Promise<void> | undefined;
/** Set by abort (shutdown): runs in progress stop, and a run not yet handed over never starts. */
let aborting = false;
let closing = false;

function prepare(): void {
  if (closing) return;
  const starting = Jail.start(options, init.hostUid, init.lifetimeSeconds);
  next = starting;
  // Tell the runner, so that it hands programs to slots whose jail is already waiting.
  void starting.then((jail) => {
    if (next === starting && jail instanceof Jail) post({ type: 'ready' });
  });
}

function post(reply: SlotReply): void {
  parentPort!.postMessage(reply);
}

async function takeJail(): Promise<Jail | RunOutcome> {
  const started = next ? await next : undefined;
  next = undefined;
  // A jail older than the maximum idle age might not outlive the longest timeout under nsjail's own limit.
  if (started instanceof Jail && !started.ended && performance.now() - started.startedAt <= init.maxIdleMs) return started;
  if (started instanceof Jail) void started.dispose();
  // Nothing usable was waiting (failed to start, died while idle): start one now.
  return Jail.start(options, init.hostUid, init.lifetimeSeconds);
}

async function run(id: number, request: RunRequest): Promise<void> {
  const jail = await takeJail();
  if (!(jail instanceof Jail)) {
    post({ type: 'outcome', id, outcome: jail });
    setTimeout(prepare, RETRY_MS);
    return;
  }
  if (aborting) {
    await jail.dispose().catch(() => undefined);
    post({ type: 'outcome', id, outcome: { ...failedOutcome('aborted before it started', 0, jail.limits), termination: 'aborted' } });
    return;
  }
  current = jail;
  const outcome = await jail.run(request);
  current = undefined;
  post({ type: 'outcome', id, outcome });
  prepare();
  await jail.dispose().catch(() => undefined);
}

/** A jail that waited longer than the maximum age is replaced by a fresh one. */
async function recycle(): Promise<void> {
  const waiting = next;
  if (!waiting || current) return;
  const jail = await waiting;
  if (next !== waiting || current) return;
  if (jail instanceof Jail && !jail.ended && performance.now() - jail.startedAt < init.maxIdleMs) return;
  prepare();
  if (jail instanceof Jail) await jail.dispose().catch(() => undefined);
}

const recycler = setInterval(() => void recycle(), Math.max(1000, init.maxIdleMs / 4));

parentPort!.on('message', (message: SlotRequest) => {
  switch (message.type) {
    case 'run':
      inProgress = run(message.id, message.request).finally(() => {
        inProgress = undefined;
      });
      break;
    case 'abort':
      aborting = true;
      current?.stop('aborted');
      break;
    case 'close': {
      closing = true;
      aborting = true;
      current?.stop('aborted');
      clearInterval(recycler);
      const waiting = next;
      next = undefined;
      void Promise.all([inProgress, waiting?.then((jail) => (jail instanceof Jail ? jail.dispose() : undefined))])
        .catch(() => undefined)
        .finally(() => post({ type: 'closed' }));
      break;
    }
  }
});

prepare();
