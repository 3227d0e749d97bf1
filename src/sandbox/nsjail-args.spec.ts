import { buildNsjailArgs, CONTROL_FD, JAIL_UID, JailSettings } from './nsjail-args';

const settings: JailSettings = {
  runtime: { hostDir: '/srv/runtime', jailDir: '/opt/pyexec/runtime' },
  maxMemoryMb: 256,
  maxProcesses: 64,
  tmpfsMb: 64,
  cpuCount: 2,
  cgroupLimits: true,
};
const all = () => true;

function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));
}

describe('buildNsjailArgs', () => {
  it('maps the jail user to an unprivileged host uid, never to the caller (root)', () => {
    const args = buildNsjailArgs(settings, all, 5, 'pass');
    expect(valuesOf(args, '--user')).toEqual([`${JAIL_UID}:${JAIL_UID}:1`]);
    expect(valuesOf(args, '--group')).toEqual([`${JAIL_UID}:${JAIL_UID}:1`]);
  });

  it('mounts the system and the runtime read-only, and gives size-limited tmpfs /tmp and working directory', () => {
    const args = buildNsjailArgs(settings, all, 5, 'pass');
    expect(valuesOf(args, '--bindmount_ro')).toEqual(expect.arrayContaining(['/usr', '/lib', '/dev/null', '/srv/runtime:/opt/pyexec/runtime']));
    expect(valuesOf(args, '--bindmount')).toEqual([]);
    expect(valuesOf(args, '--mount')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^none:\/tmp:tmpfs:size=67108864,/), expect.stringMatching(/^none:\/workspace:tmpfs:size=67108864,/)]),
    );
    expect(valuesOf(args, '--cwd')).toEqual(['/workspace']);
  });

  it('passes a clean environment of PATH, HOME and LANG only', () => {
    const args = buildNsjailArgs(settings, all, 5, 'pass');
    expect(valuesOf(args, '--env').map((pair) => pair.split('=')[0])).toEqual(['PATH', 'HOME', 'LANG']);
    expect(args).not.toContain('--keep_env');
  });

  it('leaves memory and processes to the run cgroup when there is one, to rlimits otherwise', () => {
    const withCgroups = buildNsjailArgs(settings, all, 5, 'pass');
    expect(Number(valuesOf(withCgroups, '--rlimit_as')[0])).toBeGreaterThan(256);
    expect(valuesOf(withCgroups, '--rlimit_nproc')).toEqual([]);
    const without = buildNsjailArgs({ ...settings, cgroupLimits: false }, all, 5, 'pass');
    expect(valuesOf(without, '--rlimit_as')).toEqual(['256']);
    expect(valuesOf(without, '--rlimit_nproc')).toEqual(['64']);
  });

  it('applies the seccomp policy and gives multiprocessing a small /dev/shm', () => {
    const args = buildNsjailArgs(settings, all, 5, 'pass');
    const [policy] = valuesOf(args, '--seccomp_string');
    expect(policy).toMatch(/KILL_PROCESS \{ ptrace/);
    expect(policy).toMatch(/USE pyexec DEFAULT ERRNO\(38\)$/);
    expect(valuesOf(args, '--mount')).toEqual(expect.arrayContaining([expect.stringMatching(/^none:\/dev\/shm:tmpfs:size=8388608,/)]));
  });

  it("sets nsjail's time limit to the jail's lifetime and ends with the harness command", () => {
    const args = buildNsjailArgs(settings, all, 7, 'HARNESS');
    expect(valuesOf(args, '--time_limit')).toEqual(['7']);
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/opt/pyexec/runtime/bin/python3', '-I', '-B', '-u', '-c', 'HARNESS', String(CONTROL_FD)]);
  });
});
