import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/*
 * A run's counters and process list are read synchronously (kernel pseudo-files: microseconds,
 * where a promise-based read costs a file handle, a thread-pool hop and garbage). Creating,
 * writing and removing cgroups stays asynchronous: the kernel can take milliseconds for those.
 */

/**
 * Per-run cgroups, made by the runner rather than by nsjail so that, after a run, the service
 * can read whether the kernel OOM-killed any process of it (a child's kill does not show in
 * the exit status) and whether the process limit refused a fork; and so that nothing is left
 * behind even when nsjail itself is killed. nsjail is started inside the run's cgroup (through
 * a one-line shell that writes its own pid to cgroup.procs, then execs nsjail) and the jail
 * inherits it.
 */

export type CgroupMode = 'v1' | 'v2' | 'none';

export interface CgroupLimits {
  memoryBytes: number;
  /** Processes and threads, nsjail itself included. */
  maxPids: number;
  /** CPU time per wall second, in CPUs (1 = one core). */
  cpus: number;
  /** Its share of contended CPU, as a multiple of a run's (default 1). */
  cpuWeight?: number;
}

/** The kernel's default CPU shares (v1 cpu.shares) and weight (v2 cpu.weight): a run's. */
const CPU_SHARES_DEFAULT = 1024;
const CPU_WEIGHT_DEFAULT = 100;

export interface RunUsage {
  oomKilled: boolean;
  pidsLimitHit: boolean;
}

export interface RunCgroup {
  /** cgroup.procs files the starting process must join. */
  procsFiles: string[];
  usage(): Promise<RunUsage>;
  /** SIGKILL to every process in it (the cgroup stays until remove()). */
  kill(): void;
  /**
   * Makes an empty cgroup ready for another run with the same limits: its event counters (which
   * only grow) are read as zero from now on. False, and nothing changed, if a process is still in
   * it or it is gone. Saves a run the mkdir/rmdir of a cgroup per controller (~1 ms of CPU here).
   */
  reuse(): boolean;
  remove(): Promise<void>;
}

export interface CgroupDriver {
  mode: CgroupMode;
  /** Why cgroups are not used, when they are not. */
  reason?: string;
  /** A cgroup `name` (run-… for a run) under this process's directory, with the limits set. */
  create(name: string, limits: CgroupLimits): Promise<RunCgroup>;
  /** Removes run cgroups that processes of the service left behind (crash, SIGKILL). */
  sweep(): Promise<number>;
  /** Removes this process's own cgroup directories (shutdown). */
  close(): Promise<void>;
  /** Plain data from which another thread rebuilds the same driver (cgroupDriverFrom). */
  describe(): CgroupDescription;
}

export type CgroupDescription =
  | { mode: 'v1'; parents: { memory: string; pids: string; cpu: string }; hasMemsw: boolean }
  | { mode: 'v2'; parent: string }
  | { mode: 'none'; reason: string };

export function cgroupDriverFrom(description: CgroupDescription): CgroupDriver {
  switch (description.mode) {
    case 'v1':
      return new CgroupV1Driver(description.parents, description.hasMemsw);
    case 'v2':
      return new CgroupV2Driver(description.parent);
    case 'none':
      return new NoCgroupDriver(description.reason);
  }
}

/** A leftover is only swept once it is this old and empty: a run being set up is never touched. */
const STALE_AFTER_MS = 60_000;

const CPU_PERIOD_US = 100_000;

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function readCounter(file: string, key: string): number {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${key} `));
    return line ? Number(line.split(' ')[1]) : 0;
  } catch {
    return 0;
  }
}

/** True when no process is in any of these cgroup directories (false when one cannot be read). */
function empty(dirs: string[]): boolean {
  try {
    return dirs.every((dir) => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() === '');
  } catch {
    return false;
  }
}

/**
 * The OOM-kill and refused-fork counters of a cgroup, as counts since the last reset (the
 * kernel's only grow): the one place both drivers' counters are read.
 */
function eventCounters(oomFile: string, pidsFile: string): { usage(): RunUsage; reset(): void } {
  let base = { oom: 0, pids: 0 };
  const read = () => ({ oom: readCounter(oomFile, 'oom_kill'), pids: readCounter(pidsFile, 'max') });
  return {
    usage: () => {
      const now = read();
      return { oomKilled: now.oom > base.oom, pidsLimitHit: now.pids > base.pids };
    },
    reset: () => {
      base = read();
    },
  };
}

/** SIGKILL to every process in a cgroup directory. */
function killAll(dir: string): void {
  let procs = '';
  try {
    procs = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
  } catch {
    return;
  }
  for (const pid of procs.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Kills whatever is still in a cgroup directory, then removes it. */
async function destroy(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw error;
    }
    killAll(dir);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`cgroup ${dir} could not be removed`);
}

async function isStale(dir: string): Promise<boolean> {
  try {
    const [procs, info] = await Promise.all([fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8'), fs.stat(dir)]);
    return procs.trim() === '' && Date.now() - info.mtimeMs > STALE_AFTER_MS;
  } catch {
    return false;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(dir, entry.name));
}

/**
 * Every service process has its own directory under the group (several workers may share a
 * host). In other processes' directories only run cgroups that are empty and were created
 * long ago are removed: what a live process is running, pre-starting or setting up is left
 * alone. Instance directories themselves are kept (the kernel does not update a cgroup
 * directory's times, so an idle live process's directory cannot be told from a dead one's).
 */
async function sweepGroups(groups: string[], ownInstance: string): Promise<number> {
  let removed = 0;
  for (const group of groups) {
    for (const instance of await subdirectories(group)) {
      if (path.basename(instance) === ownInstance) continue;
      for (const run of await subdirectories(instance)) {
        if (await isStale(run)) {
          await fs.rmdir(run).then(() => removed++, () => undefined);
        }
      }
    }
  }
  return removed;
}

async function removeOwn(parents: string[]): Promise<void> {
  for (const parent of parents) {
    for (const run of await subdirectories(parent)) await destroy(run).catch(() => undefined);
    await fs.rmdir(parent).catch(() => undefined);
    // The group goes too once no other process of the service uses it (rmdir fails otherwise).
    await fs.rmdir(path.dirname(parent)).catch(() => undefined);
  }
}

/** cgroup v1 (hybrid hosts such as this project's machines): one hierarchy per controller. */
class CgroupV1Driver implements CgroupDriver {
  readonly mode = 'v1';
  constructor(
    private readonly parents: { memory: string; pids: string; cpu: string },
    private readonly hasMemsw: boolean,
  ) {}

  async create(name: string, limits: CgroupLimits): Promise<RunCgroup> {
    const dirs = {
      memory: path.join(this.parents.memory, name),
      pids: path.join(this.parents.pids, name),
      cpu: path.join(this.parents.cpu, name),
    };
    const all = Object.values(dirs);
    try {
      await Promise.all(all.map((dir) => fs.mkdir(dir, { recursive: true })));
      await fs.writeFile(path.join(dirs.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // No swap: memory+swap may not exceed memory.
      if (this.hasMemsw) await fs.writeFile(path.join(dirs.memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      await fs.writeFile(path.join(dirs.pids, 'pids.max'), String(limits.maxPids));
      await fs.writeFile(path.join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await fs.writeFile(path.join(dirs.cpu, 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CPU_PERIOD_US)));
      if (limits.cpuWeight) await fs.writeFile(path.join(dirs.cpu, 'cpu.shares'), String(Math.round(limits.cpuWeight * CPU_SHARES_DEFAULT)));
    } catch (error) {
      await Promise.allSettled(all.map(destroy));
      throw error;
    }
    const counters = eventCounters(path.join(dirs.memory, 'memory.oom_control'), path.join(dirs.pids, 'pids.events'));
    return {
      procsFiles: all.map((dir) => path.join(dir, 'cgroup.procs')),
      usage: async () => counters.usage(),
      kill: () => killAll(dirs.pids),
      reuse: () => empty(all) && (counters.reset(), true),
      remove: async () => {
        await Promise.all(all.map(destroy));
      },
    };
  }

  sweep(): Promise<number> {
    return sweepGroups(Object.values(this.parents).map((parent) => path.dirname(parent)), path.basename(this.parents.memory));
  }

  close(): Promise<void> {
    return removeOwn(Object.values(this.parents));
  }

  describe(): CgroupDescription {
    return { mode: 'v1', parents: this.parents, hasMemsw: this.hasMemsw };
  }
}

/** cgroup v2 (unified hierarchy, most Docker hosts): one directory per run. */
class CgroupV2Driver implements CgroupDriver {
  readonly mode = 'v2';
  constructor(private readonly parent: string) {}

  async create(name: string, limits: CgroupLimits): Promise<RunCgroup> {
    const dir = path.join(this.parent, name);
    try {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'memory.max'), String(limits.memoryBytes));
      await fs.writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => undefined); // absent without swap accounting
      await fs.writeFile(path.join(dir, 'pids.max'), String(limits.maxPids));
      await fs.writeFile(path.join(dir, 'cpu.max'), `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
      if (limits.cpuWeight) await fs.writeFile(path.join(dir, 'cpu.weight'), String(Math.min(10_000, Math.round(limits.cpuWeight * CPU_WEIGHT_DEFAULT))));
    } catch (error) {
      await destroy(dir).catch(() => undefined);
      throw error;
    }
    const counters = eventCounters(path.join(dir, 'memory.events'), path.join(dir, 'pids.events'));
    return {
      procsFiles: [path.join(dir, 'cgroup.procs')],
      usage: async () => counters.usage(),
      kill: () => killAll(dir),
      reuse: () => empty([dir]) && (counters.reset(), true),
      remove: () => destroy(dir),
    };
  }

  sweep(): Promise<number> {
    return sweepGroups([path.dirname(this.parent)], path.basename(this.parent));
  }

  close(): Promise<void> {
    return removeOwn([this.parent]);
  }

  describe(): CgroupDescription {
    return { mode: 'v2', parent: this.parent };
  }
}

class NoCgroupDriver implements CgroupDriver {
  readonly mode = 'none';
  constructor(readonly reason: string) {}
  create(): Promise<RunCgroup> {
    throw new Error(`cgroups unavailable: ${this.reason}`);
  }
  async sweep(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
  describe(): CgroupDescription {
    return { mode: 'none', reason: this.reason };
  }
}

const V2_CONTROLLERS = ['memory', 'pids', 'cpu'];

/**
 * cgroup v2: the service's own cgroup must have no processes of its own before controllers can
 * be delegated to children ("no internal processes"), so the service's processes move to a
 * `supervisor` leaf first; runs go under a sibling parent with memory, pids and cpu enabled.
 */
async function prepareV2(root: string, group: string, instance: string): Promise<CgroupDriver> {
  const own = (await fs.readFile('/proc/self/cgroup', 'utf8')).split('\n').find((l) => l.startsWith('0::'));
  const base = path.join(root, own ? own.slice(3).trim() : '/');
  const available = (await fs.readFile(path.join(base, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
  const missing = V2_CONTROLLERS.filter((c) => !available.includes(c));
  if (missing.length > 0) throw new Error(`controllers ${missing.join(', ')} are not delegated to ${base}`);
  const supervisor = path.join(base, 'supervisor');
  await fs.mkdir(supervisor, { recursive: true });
  const procs = (await fs.readFile(path.join(base, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean);
  for (const pid of procs) await fs.writeFile(path.join(supervisor, 'cgroup.procs'), pid).catch(() => undefined);
  await fs.writeFile(path.join(base, 'cgroup.subtree_control'), V2_CONTROLLERS.map((c) => `+${c}`).join(' '));
  const groupDir = path.join(base, group);
  const parent = path.join(groupDir, instance);
  await fs.mkdir(parent, { recursive: true });
  for (const dir of [groupDir, parent]) {
    await fs.writeFile(path.join(dir, 'cgroup.subtree_control'), V2_CONTROLLERS.map((c) => `+${c}`).join(' '));
  }
  return new CgroupV2Driver(parent);
}

async function prepareV1(root: string, group: string, instance: string): Promise<CgroupDriver> {
  const [memory, pids, cpu] = ['memory', 'pids', 'cpu'].map((controller) => path.join(root, controller, group, instance));
  const parents = { memory, pids, cpu };
  for (const parent of Object.values(parents)) {
    await fs.access(path.join(path.dirname(path.dirname(parent)), 'cgroup.procs'));
    await fs.mkdir(parent, { recursive: true });
  }
  return new CgroupV1Driver(parents, await exists(path.join(parents.memory, 'memory.memsw.limit_in_bytes')));
}

/**
 * Picks the cgroup interface of this host: v1 when the memory and pids controllers are mounted
 * as v1 hierarchies, v2 when /sys/fs/cgroup is the unified hierarchy, otherwise none (the
 * service then runs on rlimits alone and says so).
 */
export async function detectCgroups(group: string, root = '/sys/fs/cgroup'): Promise<CgroupDriver> {
  const instance = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const problems: string[] = [];
  if ((await exists(path.join(root, 'memory', 'cgroup.procs'))) && (await exists(path.join(root, 'pids', 'cgroup.procs')))) {
    try {
      return await prepareV1(root, group, instance);
    } catch (error) {
      problems.push(`cgroup v1: ${(error as Error).message}`);
    }
  }
  if (await exists(path.join(root, 'cgroup.controllers'))) {
    try {
      return await prepareV2(root, group, instance);
    } catch (error) {
      problems.push(`cgroup v2: ${(error as Error).message}`);
    }
  }
  if (problems.length === 0) problems.push(`no memory/pids cgroup controllers under ${root}`);
  return new NoCgroupDriver(problems.join('; '));
}
