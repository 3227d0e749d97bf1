import { ForkServer } from './fork-server';
import { ForkServerRunner, ForkServerRunnerOptions } from './fork-server-runner';
import { RunOutcome, RunRequest } from './python-runner';

/** A fork server whose readiness the test decides; it records the programs it was handed. */
class FakeServer {
  busy = false;
  dead = false;
  stopping = false;
  readonly startedAt = 0;
  readonly ended = new Promise<void>(() => undefined);
  readonly ran: string[] = [];

  constructor(private readonly ready: Promise<boolean>) {}

  whenReady(): Promise<boolean> {
    return this.ready;
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    this.ran.push(request.code);
    this.busy = false;
    return { termination: 'exited', exitCode: 0 } as RunOutcome;
  }

  async dispose(): Promise<void> {}
}

const never = new Promise<boolean>(() => undefined);
const after = (ms: number) => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms));

/** A runner of one pool slot (a full server, then a lean one) over the given fakes. */
async function runnerOver(full: FakeServer, lean: FakeServer): Promise<ForkServerRunner> {
  const fakes = [full, lean];
  jest.spyOn(ForkServer, 'start').mockImplementation(async () => fakes.shift() as unknown as ForkServer);
  const options = {
    pool: { size: 1, maxIdleMs: 1000 },
    cgroups: { describe: () => ({ mode: 'none' }) },
    hostUids: { slot: () => 100_000, zygote: () => 100_001 },
    maxTimeoutSeconds: 30,
    existingMounts: [],
    defaultLimits: { memoryMb: 256, maxProcesses: 64, cpus: 1, maxOutputBytes: 1 << 20 },
    leanServerModules: new Set(['os', 'sys']),
  } as unknown as ForkServerRunnerOptions;
  const runner = new ForkServerRunner(options);
  await new Promise((resolve) => setImmediate(resolve)); // both servers started
  return runner;
}

const request = (code: string): RunRequest => ({ code, env: {}, timeoutSeconds: 5 });

describe('ForkServerRunner: which server runs a program', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives a standard-library program to the lean server when it becomes ready soon, though the full one is ready now', async () => {
    const full = new FakeServer(Promise.resolve(true));
    const lean = new FakeServer(after(20));
    const runner = await runnerOver(full, lean);
    await runner.run(request('import os\nprint(1)'));
    expect(lean.ran).toEqual(['import os\nprint(1)']);
    expect(full.ran).toEqual([]);
  });

  it('gives a standard-library program to a ready full server when the lean one does not become ready (parking held up)', async () => {
    const full = new FakeServer(Promise.resolve(true));
    const lean = new FakeServer(never);
    const runner = await runnerOver(full, lean);
    await runner.run(request('import sys\nprint(1)'));
    expect(full.ran).toEqual(['import sys\nprint(1)']);
    expect(lean.ran).toEqual([]);
  });

  it('never gives a program importing a preloaded package to a lean server', async () => {
    const full = new FakeServer(after(20));
    const lean = new FakeServer(Promise.resolve(true));
    const runner = await runnerOver(full, lean);
    await runner.run(request('import numpy'));
    expect(full.ran).toEqual(['import numpy']);
    expect(lean.ran).toEqual([]);
  });
});
