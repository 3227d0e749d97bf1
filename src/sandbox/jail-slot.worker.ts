/**
 * One pool slot, in a worker thread: keeps one jail started ahead of its program, runs the
 * program handed to it, then starts the next jail. Spawning a process blocks the spawning
 * thread for as long as the kernel takes to copy the (large) service process; here that
 * happens off the thread that answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Jail } from './jail';
import { RunOutcome, RunRequest } from './python-runner';
import { cgroupDriverFrom } from './run-cgroups';
import type { SlotInit, SlotReply, SlotRequest } from './jail-slot';

const init = workerData as SlotInit;
const options = { ...init.options, cgroups: cgroupDriverFrom(init.cgroups) };
const RETRY_MS = 1000;

let next: Promise<Jail | RunOutcome> | undefined;
let current: Jail | undefined;
let closing = false;

function prepare(): void {
  if (!closing) next = Jail.start(options, init.lifetimeSeconds);
}

function post(reply: SlotReply): void {
  parentPort!.postMessage(reply);
}

async function takeJail(): Promise<Jail | RunOutcome> {
  const started = next ? await next : undefined;
  next = undefined;
  if (started instanceof Jail && !started.ended) return started;
  if (started instanceof Jail) void started.dispose();
  // Nothing usable was waiting (failed to start, died while idle): start one now.
  return Jail.start(options, init.lifetimeSeconds);
}

async function run(id: number, request: RunRequest): Promise<void> {
  const jail = await takeJail();
  if (!(jail instanceof Jail)) {
    post({ type: 'outcome', id, outcome: jail });
    setTimeout(prepare, RETRY_MS);
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
      void run(message.id, message.request);
      break;
    case 'abort':
      current?.stop('aborted');
      break;
    case 'close': {
      closing = true;
      clearInterval(recycler);
      const waiting = next;
      next = undefined;
      void (waiting ?? Promise.resolve(undefined))
        .then((jail) => (jail instanceof Jail ? jail.dispose() : undefined))
        .finally(() => post({ type: 'closed' }));
      break;
    }
  }
});

prepare();
