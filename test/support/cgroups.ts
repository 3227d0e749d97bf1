import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The controllers the service makes cgroups in (cgroup v1 hierarchies on this project's hosts). */
export const CGROUP_CONTROLLERS = ['memory', 'pids', 'cpu'];

/**
 * The `run-…` (or `slot-…`) cgroup directories of the app whose cgroups are under `group`
 * (SANDBOX_CGROUP_PARENT), in each of `controllers`: /sys/fs/cgroup/<controller>/<group>/<instance>/<kind>-*.
 */
export function sandboxCgroups(group: string, kind: 'run' | 'slot' = 'run', controllers = CGROUP_CONTROLLERS): string[] {
  return controllers.flatMap((controller) => {
    const groupDir = `/sys/fs/cgroup/${controller}/${group}`;
    if (!existsSync(groupDir)) return [];
    return readdirSync(groupDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((instance) =>
        readdirSync(path.join(groupDir, instance.name), { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && entry.name.startsWith(`${kind}-`))
          .map((entry) => path.join(groupDir, instance.name, entry.name)),
      );
  });
}

/** The processes of a cgroup directory (none when it is gone: a one-shot jail's is removed after its run). */
export function cgroupPids(dir: string): string[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
