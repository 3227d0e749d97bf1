import { asHostUid, buildNsjailArgs, CONTROL_FD, JAIL_UID, JailSettings, procMasks } from './nsjail-args';

const settings: JailSettings = {
  runtime: { hostDir: '/srv/runtime', jailDir: '/opt/pyexec/runtime' },
  maxMemoryMb: 256,
  maxProcesses: 64,
  tmpfsMb: 64,
  cpuCount: 2,
  cgroupLimits: true,
  procMasks: { files: ['/proc/cmdline'], dirs: ['/proc/sys'] },
};
const all = () => true;
const HOST_UID = 1_900_000_007;

function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));
}

describe('buildNsjailArgs', () => {
  it("maps the jail user to the jail's own unprivileged host uid, never to root", () => {
    const args = buildNsjailArgs(settings, all, HOST_UID, 5, 'pass');
    expect(valuesOf(args, '--user')).toEqual([`${JAIL_UID}:${HOST_UID}:1`]);
    expect(valuesOf(args, '--group')).toEqual([`${JAIL_UID}:${HOST_UID}:1`]);
  });

  it('starts nsjail as that uid, keeping only the capabilities that build a jail', () => {
    const command = asHostUid(HOST_UID, ['/nsjail', '--mode', 'o']);
    expect(command.slice(0, 5)).toEqual(['/usr/bin/setpriv', '--reuid', String(HOST_UID), '--regid', String(HOST_UID)]);
    expect(valuesOf(command, '--ambient-caps')).toEqual(['+sys_admin,+setuid,+setgid']);
    expect(valuesOf(command, '--bounding-set')).toEqual(['-all,+sys_admin,+setuid,+setgid']);
    expect(command.slice(command.indexOf('--'))).toEqual(['--', '/nsjail', '--mode', 'o']);
  });

  it('mounts the system and the runtime read-only, and gives size-limited tmpfs /tmp and working directory', () => {
    const args = buildNsjailArgs(settings, all, HOST_UID, 5, 'pass');
    expect(valuesOf(args, '--bindmount_ro')).toEqual(expect.arrayContaining(['/usr', '/lib', '/dev/null', '/srv/runtime:/opt/pyexec/runtime']));
    expect(valuesOf(args, '--bindmount')).toEqual([]);
    expect(valuesOf(args, '--mount')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^none:\/tmp:tmpfs:size=67108864,/), expect.stringMatching(/^none:\/workspace:tmpfs:size=67108864,/)]),
    );
    expect(valuesOf(args, '--cwd')).toEqual(['/workspace']);
  });

  it('passes a clean environment of PATH, HOME and LANG only', () => {
    const args = buildNsjailArgs(settings, all, HOST_UID, 5, 'pass');
    expect(valuesOf(args, '--env').map((pair) => pair.split('=')[0])).toEqual(['PATH', 'HOME', 'LANG']);
    expect(args).not.toContain('--keep_env');
  });

  it('leaves memory and processes to the run cgroup when there is one, to rlimits otherwise', () => {
    const withCgroups = buildNsjailArgs(settings, all, HOST_UID, 5, 'pass');
    expect(Number(valuesOf(withCgroups, '--rlimit_as')[0])).toBeGreaterThan(256);
    expect(valuesOf(withCgroups, '--rlimit_nproc')).toEqual([]);
    const without = buildNsjailArgs({ ...settings, cgroupLimits: false }, all, HOST_UID, 5, 'pass');
    expect(valuesOf(without, '--rlimit_as')).toEqual(['256']);
    expect(valuesOf(without, '--rlimit_nproc')).toEqual(['64']);
  });

  it('applies the seccomp policy and gives multiprocessing a small /dev/shm', () => {
    const args = buildNsjailArgs(settings, all, HOST_UID, 5, 'pass');
    const [policy] = valuesOf(args, '--seccomp_string');
    expect(policy).toMatch(/KILL_PROCESS \{ ptrace/);
    expect(policy).toMatch(/USE pyexec DEFAULT ERRNO\(38\)$/);
    expect(valuesOf(args, '--mount')).toEqual(expect.arrayContaining([expect.stringMatching(/^none:\/dev\/shm:tmpfs:size=8388608,/)]));
  });

  it("sets nsjail's time limit to the jail's lifetime and ends with the harness command", () => {
    const args = buildNsjailArgs(settings, all, HOST_UID, 7, 'HARNESS');
    expect(valuesOf(args, '--time_limit')).toEqual(['7']);
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/opt/pyexec/runtime/bin/python3', '-I', '-B', '-u', '-c', 'HARNESS', String(CONTROL_FD)]);
  });

  it('mounts /proc first, read-only, then masks its host-wide entries over it', () => {
    const args = buildNsjailArgs(settings, all, HOST_UID, 5, 'pass');
    expect(args).toContain('--disable_proc');
    const proc = args.indexOf('none:/proc:proc:ro');
    expect(proc).toBeGreaterThan(0);
    expect(args.indexOf('/dev/null:/proc/cmdline')).toBeGreaterThan(proc);
    expect(args.indexOf('none:/proc/sys:tmpfs:ro,size=4096,nr_inodes=1,mode=555')).toBeGreaterThan(proc);
  });
});

describe('procMasks', () => {
  it('masks every top-level entry but the kept ones and the pid directories', () => {
    const entries = ['1', '42', 'self', 'thread-self', 'mounts', 'net', 'cpuinfo', 'cmdline', 'loadavg', 'a-new-kernel-file'].map((name) => ({ name, directory: false, mode: 0o444 }));
    entries.push({ name: 'sys', directory: true, mode: 0o555 }, { name: 'pressure', directory: true, mode: 0o555 });
    // Only root may open these: unmapped in the jail, so a run gets EACCES without a mask.
    entries.push({ name: 'kcore', directory: false, mode: 0o400 }, { name: 'sysrq-trigger', directory: false, mode: 0o200 });
    expect(procMasks(entries)).toEqual({ files: ['/proc/cmdline', '/proc/loadavg', '/proc/a-new-kernel-file'], dirs: ['/proc/sys', '/proc/pressure'] });
  });
});
