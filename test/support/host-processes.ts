import { execFileSync } from 'node:child_process';

/** Pids of host processes whose command line holds `marker` (none: []). */
export function hostProcessesWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
