/** What nsjail's own log says about how the jailed program ended. */
export type NsjailVerdict =
  | { kind: 'exited'; status: number }
  | { kind: 'signaled'; signal: number }
  | { kind: 'failed'; reason: string };

const EXITED = /exited with status: (\d+)/;
const SIGNALED = /terminated with signal: \S+ \((\d+)\)/;
const ERROR_LINE = /^\[[EF]\]/;

export function readNsjailLog(log: string): NsjailVerdict {
  const exited = EXITED.exec(log);
  if (exited) return { kind: 'exited', status: Number(exited[1]) };
  const signaled = SIGNALED.exec(log);
  if (signaled) return { kind: 'signaled', signal: Number(signaled[1]) };
  const errors = log
    .split('\n')
    .filter((line) => ERROR_LINE.test(line))
    .map((line) => line.replace(/^(\[[^\]]*\])+\s*/, ''));
  return { kind: 'failed', reason: errors.join('; ') || 'nsjail ended without reporting the program' };
}
