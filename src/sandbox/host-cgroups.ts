import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Which cgroup interface nsjail can use on this host. */
export type CgroupMode = 'v1' | 'none';

const V1_ROOT = '/sys/fs/cgroup';
const V1_CONTROLLERS = ['memory', 'pids'] as const;
/** The parent cgroup nsjail creates its per-run cgroups under (its default name). */
export const CGROUP_PARENT = 'NSJAIL';

export interface CgroupSetup {
  mode: CgroupMode;
  /** Why cgroups are not used, when they are not. */
  reason?: string;
}

/**
 * Makes the parent cgroups nsjail needs (cgroup v1: one per controller).
 * nsjail creates and removes a child cgroup per run under them.
 */
export async function prepareCgroups(root = V1_ROOT): Promise<CgroupSetup> {
  try {
    for (const controller of V1_CONTROLLERS) {
      const controllerDir = path.join(root, controller);
      await fs.access(path.join(controllerDir, 'cgroup.procs'));
      await fs.mkdir(path.join(controllerDir, CGROUP_PARENT), { recursive: true });
    }
    return { mode: 'v1' };
  } catch (error) {
    return {
      mode: 'none',
      reason: `cgroup v1 memory/pids controllers not usable under ${root}: ${(error as Error).message}`,
    };
  }
}
