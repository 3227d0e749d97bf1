import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { detectCgroups } from './run-cgroups';

/**
 * The cgroup v2 path against a stand-in hierarchy in a temporary folder (this project's machines
 * are cgroup v1 hosts). Real cgroupfs behaviour (rmdir of a populated cgroup, controllers taking
 * effect) is not reproduced; what the driver writes, where, and what it reads back are.
 */
describe('cgroup v2 driver', () => {
  function fakeV2Root(controllers = 'cpuset cpu io memory pids'): { root: string; base: string } {
    const root = mkdtempSync(path.join(tmpdir(), 'cgv2-'));
    const ownCgroup = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))!.slice(3).trim();
    const base = path.join(root, ownCgroup);
    mkdirSync(base, { recursive: true });
    writeFileSync(path.join(root, 'cgroup.controllers'), controllers);
    writeFileSync(path.join(base, 'cgroup.controllers'), controllers);
    writeFileSync(path.join(base, 'cgroup.procs'), '4242\n4343\n');
    writeFileSync(path.join(base, 'cgroup.subtree_control'), '');
    return { root, base };
  }

  it('moves the service to a leaf, delegates memory, pids and cpu, and writes each run\'s limits', async () => {
    const { root, base } = fakeV2Root();
    const driver = await detectCgroups('pyexec', root);
    expect(driver.mode).toBe('v2');
    // Each pid is written on its own (cgroupfs moves one per write; a plain file keeps the last).
    expect(readFileSync(path.join(base, 'supervisor', 'cgroup.procs'), 'utf8')).toBe('4343');
    expect(readFileSync(path.join(base, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    const description = driver.describe();
    expect(description.mode).toBe('v2');
    const parent = (description as { parent: string }).parent;
    expect(path.resolve(path.dirname(path.dirname(parent)))).toBe(path.resolve(base));
    expect(readFileSync(path.join(path.dirname(parent), 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');

    const run = await driver.create('run-abc', { memoryBytes: 256 * 1024 * 1024, maxPids: 65, cpus: 1 });
    const runDir = path.join(parent, 'run-abc');
    expect(run.procsFiles).toEqual([path.join(runDir, 'cgroup.procs')]);
    expect(readFileSync(path.join(runDir, 'memory.max'), 'utf8')).toBe(String(256 * 1024 * 1024));
    expect(readFileSync(path.join(runDir, 'memory.swap.max'), 'utf8')).toBe('0');
    expect(readFileSync(path.join(runDir, 'pids.max'), 'utf8')).toBe('65');
    expect(readFileSync(path.join(runDir, 'cpu.max'), 'utf8')).toBe('100000 100000');
    // A run keeps the kernel's default weight; a cgroup given a weight gets that multiple of it.
    expect(existsSync(path.join(runDir, 'cpu.weight'))).toBe(false);
    await driver.create('slot-abc', { memoryBytes: 1024 * 1024 * 1024, maxPids: 16, cpus: 2, cpuWeight: 8 });
    expect(readFileSync(path.join(parent, 'slot-abc', 'cpu.weight'), 'utf8')).toBe('800');

    writeFileSync(path.join(runDir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    writeFileSync(path.join(runDir, 'pids.events'), 'max 0\n');
    expect(await run.usage()).toEqual({ oomKilled: true, pidsLimitHit: false });
  });

  it('reuses an empty run cgroup for another run, its counters read from zero again; never one with a process in it', async () => {
    const { root } = fakeV2Root();
    const driver = await detectCgroups('pyexec', root);
    const parent = (driver.describe() as { parent: string }).parent;
    const run = await driver.create('run-reused', { memoryBytes: 256 * 1024 * 1024, maxPids: 64, cpus: 1 });
    const runDir = path.join(parent, 'run-reused');
    writeFileSync(path.join(runDir, 'memory.events'), 'oom_kill 2\n');
    writeFileSync(path.join(runDir, 'pids.events'), 'max 5\n');
    writeFileSync(path.join(runDir, 'cgroup.procs'), '4242\n');
    expect(run.reuse()).toBe(false);
    expect(await run.usage()).toEqual({ oomKilled: true, pidsLimitHit: true });

    writeFileSync(path.join(runDir, 'cgroup.procs'), '');
    expect(run.reuse()).toBe(true);
    expect(await run.usage()).toEqual({ oomKilled: false, pidsLimitHit: false });
    // The next run's own events count.
    writeFileSync(path.join(runDir, 'pids.events'), 'max 6\n');
    expect(await run.usage()).toEqual({ oomKilled: false, pidsLimitHit: true });
  });

  it('says why when the controllers are not delegated', async () => {
    const { root } = fakeV2Root('cpu io');
    const driver = await detectCgroups('pyexec', root);
    expect(driver.mode).toBe('none');
    expect(driver.describe()).toMatchObject({ mode: 'none', reason: expect.stringContaining('memory, pids are not delegated') });
  });
});
