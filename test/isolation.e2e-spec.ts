import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { readFileSync, rmdirSync } from 'node:fs';
import { cgroupPids, sandboxCgroups } from './support/cgroups';
import { hostProcessesWith } from './support/host-processes';
import { startTestApp, TestApp } from './support/test-app';
import { waitUntil } from './support/wait';

/**
 * Cross-run isolation: nothing of one run reaches another, whichever way the pool works. The
 * test script runs this file with fork servers (the default: full and lean ones), with full fork
 * servers only (SANDBOX_LEAN_SERVERS=0), with one-shot pre-started jails (SANDBOX_FORKSERVER=0) and
 * with jails started on demand (SANDBOX_POOL_SIZE=0).
 */
const forkServer = process.env.SANDBOX_FORKSERVER !== '0' && process.env.SANDBOX_POOL_SIZE !== '0';
const leanServers = forkServer && process.env.SANDBOX_LEAN_SERVERS !== '0';

/** Host pids of the zygotes of the app whose cgroups are under `group` (SANDBOX_CGROUP_PARENT). */
function zygotePids(group: string): number[] {
  const pids: number[] = [];
  for (const pid of sandboxCgroups(group, 'slot', ['pids']).flatMap(cgroupPids)) {
    try {
      // The zygote is pid 1 of its jail; its forks (the runs' parents) share its command line.
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].trim().split(/\s+/);
      // (A run's process is pid 1 too, of a namespace one level deeper: three NSpid entries.)
      if (nspid?.length === 2 && nspid[1] === '1' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('zygote_main')) pids.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * The app's first answer from a full fork server: the app is ready once a lean server is (it
 * imports nothing), a full one once its zygote has imported the preload — on a busy machine
 * later than a run waits for it before taking a one-shot jail.
 */
async function fullServerAnswer(t: TestApp, code: string): Promise<request.Response> {
  return waitUntil(async () => {
    const res = await t.execute({ code });
    return res.status === 200 && res.body.result[0] === true ? res : undefined;
  }, 60_000, 'an answer from a full fork server');
}

describe('cross-run isolation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('isolation', { WORKER_CONCURRENCY: '2' });
  });
  afterAll(async () => {
    await t.close();
  });
  const run = async (code: string, timeout = 20) => {
    const res = await t.execute({ code, timeout });
    return res;
  };

  it(`runs a program importing numpy in ${forkServer ? 'a fork of a zygote with numpy and pandas preloaded' : 'a fresh interpreter'}`, async () => {
    const code = 'import sys, numpy\nreturn ["pandas" in sys.modules, sys.modules["__main__"].__name__]';
    const res = forkServer ? await fullServerAnswer(t, code) : await run(code);
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([forkServer, '__main__']);
  });

  it(`runs a program importing only the standard library in ${leanServers ? 'a fork of a zygote that preloads nothing' : forkServer ? 'a fork of the zygote with numpy and pandas preloaded' : 'a fresh interpreter'}`, async () => {
    const res = await run('import json, sys\nreturn ["numpy" in sys.modules, "pandas" in sys.modules, sys.modules["__main__"].__name__]');
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([forkServer && !leanServers, forkServer && !leanServers, '__main__']);
  });

  it('random state differs between runs: random, numpy.random, os.urandom, secrets', async () => {
    const code = 'import os, random, secrets, numpy\nreturn [random.random(), float(numpy.random.random()), os.urandom(8).hex(), secrets.token_hex(8)]';
    const results = [];
    for (let i = 0; i < 4; i++) {
      const res = await run(code);
      expect(res.status).toBe(200);
      results.push(res.body.result);
    }
    for (let column = 0; column < 4; column++) {
      expect(new Set(results.map((row) => row[column])).size).toBe(results.length);
    }
  });

  it('module state, sys.modules, files and env a run changes are not seen by the next', async () => {
    const change = [
      'import json, os, sys, numpy',
      'json.dumps = lambda *a, **k: "patched"',
      'numpy.add = None',
      'sys.modules["pyexec_leak"] = type(sys)("pyexec_leak")',
      'os.environ["PYEXEC_LEAK"] = "1"',
      'open("/tmp/leak", "w").write("x")',
      'open("leak.txt", "w").write("x")',
      'import builtins\nbuiltins.print = None',
      'return json.dumps({})',
    ].join('\n');
    const changed = await run(change);
    expect(changed.status).toBe(200);
    expect(changed.body.result).toBe('patched');
    for (let i = 0; i < 3; i++) {
      const check = await run(
        'import json, os, sys, numpy\nprint("printing works")\nreturn [json.dumps({"a": 1}), numpy.add is not None, "pyexec_leak" in sys.modules, "PYEXEC_LEAK" in os.environ, os.listdir("/tmp"), os.listdir(".")]',
      );
      expect(check.status).toBe(200);
      expect(check.body.stdout).toBe('printing works\n');
      expect(check.body.result).toEqual(['{"a": 1}', true, false, false, [], []]);
    }
  });

  it('a process a run leaves behind is gone when the run is answered', async () => {
    const marker = `pyexec-leftover-${randomBytes(6).toString('hex')}`;
    const code = [
      'import os, subprocess',
      `subprocess.Popen(["/usr/bin/python3", "-c", "import time; time.sleep(600)", "${marker}"], start_new_session=True)`,
      'if os.fork() == 0:',
      '    os.setsid()',
      `    os.execv("/usr/bin/sleep", ["/usr/bin/sleep", "600", "${marker}"])`,
      'return "started"',
    ].join('\n');
    const res = await run(code);
    expect(res.status).toBe(200);
    expect(res.body.result).toBe('started');
    await waitUntil(async () => (hostProcessesWith(marker).length === 0 ? true : undefined), 5000, 'leftover processes gone');
  });

  it('a run sees only its own processes: it cannot signal, trace or read the zygote or another run', async () => {
    // One run stays alive while another looks for it.
    const waiting = run('import time, os\ntime.sleep(3)\nreturn os.getpid()');
    const code = [
      'import ctypes, errno, os, signal',
      'pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())',
      'refused = []',
      'for pid in range(2, 400):',
      '    try:',
      '        os.kill(pid, signal.SIGKILL)',
      '        refused.append(("killed", pid))',
      '    except ProcessLookupError:',
      '        pass',
      '    except PermissionError:',
      '        refused.append(("permission", pid))',
      'return [pids, refused, os.getpid(), os.getppid()]',
    ].join('\n');
    const probe = await run(code);
    expect(probe.status).toBe(200);
    // Pid 1 is the run itself; no other process exists in its pid namespace to signal.
    expect(probe.body.result).toEqual([[1], [], 1, 0]);
    const ptrace = await run('import ctypes\nctypes.CDLL(None, use_errno=True).ptrace(16, 1, 0, 0)');
    expect(ptrace.status).toBe(400);
    expect(ptrace.body.error).toMatch(/^Forbidden operation attempted/);
    const other = await waiting;
    expect(other.status).toBe(200);
    expect(other.body.result).toBe(1);
  });

  it("a run is its own session and process group: kill(0, ...) from any of its processes reaches the run alone", async () => {
    // Without a session of its own, a run's process group is the forker's: kill(0, SIGSTOP) from
    // one of its processes would reach the next run's process, parked in that group.
    const probe = await run('import os\nreturn [os.getpid(), os.getsid(0), os.getpgrp()]');
    expect(probe.status).toBe(200);
    expect(probe.body.result).toEqual([1, 1, 1]);
  });

  it('a run that corrupts its own interpreter affects nobody else', async () => {
    const corrupt = await run('import ctypes\nctypes.memset(id(0), 0, 64)\nctypes.string_at(0)');
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.error).toMatch(/^Process killed by SIG(SEGV|BUS|ABRT)$/);
    for (let i = 0; i < 3; i++) {
      const after = await run('import numpy\nreturn [sum(range(10)), int(numpy.arange(4).sum())]');
      expect(after.status).toBe(200);
      expect(after.body.result).toEqual([45, 6]);
    }
  });
});

/** Every program below imports only the standard library: with lean servers (and a free one always), all go to the slot's lean server. */
describe('one pool slot, run after run', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('isolation-one-slot', { WORKER_CONCURRENCY: '1', SANDBOX_POOL_SIZE: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it("a run is not charged with an earlier run's memory kill or refused fork (fork servers reuse run cgroups)", async () => {
    const oom = await t.execute({ code: 'import subprocess, sys\nsubprocess.run([sys.executable, "-c", "x = bytearray(600 << 20)"])\nreturn 1' });
    expect(oom.status).toBe(400);
    expect(oom.body.error).toBe('Memory limit of 256 MiB exceeded');
    // A fork server alternates between run cgroups (the next run parks while one runs): three
    // runs reach the one the OOM was counted in.
    for (let i = 0; i < 3; i++) {
      const clean = await t.execute({ code: 'return 1' });
      expect(clean.status).toBe(200);
      expect(clean.body.result).toBe(1);
    }
    const forks = await t.execute({ code: 'import os, sys\nwhile True:\n    try:\n        if os.fork() == 0:\n            import time\n            time.sleep(30)\n    except OSError:\n        sys.exit(1)' });
    expect(forks.status).toBe(400);
    expect(forks.body.error).toBe('Process limit of 64 exceeded');
    for (let i = 0; i < 3; i++) {
      const failing = await t.execute({ code: 'import sys\nsys.exit(3)' });
      expect(failing.body.exit_code).toBe(3);
      expect(failing.body.error).not.toMatch(/limit/);
    }
  });

  it("a run's memory holds nothing of an earlier run: code, env, stdin, files, output or result", async () => {
    const tag = randomBytes(6).toString('hex');
    const marker = (what: string) => `VICTIM-${what}-${tag}`;
    const victim = await t.execute({
      code: `# ${marker('CODE')}\nimport os\nprint("${marker('OUT')}")\nopen("out.txt", "w").write(open("in.txt").read())\nreturn ["${marker('RESULT')}", os.environ["TOKEN"], input()]`,
      env: [{ name: 'TOKEN', value: marker('ENV') }],
      stdin: `${marker('STDIN')}\n`,
      files: [{ path: 'in.txt', content: Buffer.from(marker('FILE')).toString('base64') }],
    });
    expect(victim.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await t.execute({ code: 'return 1' })).status).toBe(200);
    // The marker's tag is not in this code: only what memory holds can match.
    const scan = [
      'import re',
      'found = set()',
      `pattern = re.compile(rb"VICTIM-[A-Z]+-" + bytes.fromhex("${Buffer.from(tag).toString('hex')}"))`,
      'with open("/proc/self/mem", "rb", 0) as mem:',
      '    for line in open("/proc/self/maps").read().splitlines():',
      '        addresses, perms = line.split()[:2]',
      '        start, end = (int(x, 16) for x in addresses.split("-"))',
      '        if "r" not in perms or end - start > (512 << 20):',
      '            continue',
      '        try:',
      '            mem.seek(start)',
      '            data = mem.read(end - start)',
      '        except OSError:',
      '            continue',
      '        found.update(m.group().decode() for m in pattern.finditer(data))',
      'return sorted(found)',
    ].join('\n');
    const probe = await t.execute({ code: scan, timeout: 60 });
    expect(probe.status).toBe(200);
    expect(probe.body.result).toEqual([]);
    // The scan does find what is in its own memory (it would find a leak).
    const self = await t.execute({ code: `mine = "VICTIM-SELF-" + "${tag}"\n${scan}`, timeout: 60 });
    expect(self.body.result).toContain(marker('SELF'));
  });
});

describe('a fork server whose zygote dies', () => {
  let t: TestApp;
  beforeAll(async () => {
    // One server, a full one: lean servers are the same servers with nothing preloaded.
    t = await startTestApp('zygote-death', { WORKER_CONCURRENCY: '1', SANDBOX_FORKSERVER: '1', SANDBOX_POOL_SIZE: '1', SANDBOX_LEAN_SERVERS: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('stops a run at its deadline or output cap without the server: every process of the run is gone, the same zygote serves on', async () => {
    const before = await waitUntil(async () => (zygotePids(t.prefix).length > 0 ? zygotePids(t.prefix) : undefined), 20_000, 'a zygote');
    const marker = `pyexec-run-stop-${randomBytes(6).toString('hex')}`;
    const timedOut = await t.execute({ code: `import subprocess\nsubprocess.Popen(["/usr/bin/python3", "-c", "import time; time.sleep(60)", "${marker}"])\nwhile True:\n    pass`, timeout: 2 });
    expect(timedOut.status).toBe(408);
    expect(hostProcessesWith(marker)).toEqual([]);
    const flood = await t.execute({ code: `import subprocess, sys\nsubprocess.Popen(["/usr/bin/python3", "-c", "import time; time.sleep(60)", "${marker}"])\nwhile True:\n    sys.stdout.write("x" * 65536)` });
    expect(flood.status).toBe(400);
    expect(flood.body.error).toMatch(/^Output limit/);
    expect(hostProcessesWith(marker)).toEqual([]);
    const next = await t.execute({ code: 'import sys\nreturn "pandas" in sys.modules' });
    expect(next.status).toBe(200);
    expect(next.body.result).toBe(true);
    expect(zygotePids(t.prefix)).toEqual(before);
  });

  it("gives the zygote's slot cgroup 8 times a run's CPU shares, so contended CPU goes to readying the next run first", async () => {
    await waitUntil(async () => (zygotePids(t.prefix).length > 0 ? true : undefined), 20_000, 'a zygote');
    const shares = (kind: 'run' | 'slot') => sandboxCgroups(t.prefix, kind, ['cpu']).map((dir) => readFileSync(`${dir}/cpu.shares`, 'utf8').trim());
    expect(shares('slot')).toEqual(['8192']);
    expect(shares('run').length).toBeGreaterThan(0);
    for (const value of shares('run')) expect(value).toBe('1024');
  });

  it("serves on when the emptied run cgroups it keeps for reuse are removed under it (another service process's boot sweep)", async () => {
    const before = await waitUntil(async () => (zygotePids(t.prefix).length > 0 ? zygotePids(t.prefix) : undefined), 20_000, 'a zygote');
    // A run whose exit takes a while (200 MB to unmap) usually has its wait status come after the
    // slot's next process is parked: its emptied cgroup is then kept, unused, for the run after.
    // (When its exit is quicker than the parking, the parked process takes it: another run then.)
    const emptyRunCgroups = () => sandboxCgroups(t.prefix).filter((dir) => cgroupPids(dir).length === 0);
    const spares = await waitUntil(
      async () => {
        if (emptyRunCgroups().length > 0) return emptyRunCgroups();
        await t.execute({ code: 'x = b"x" * (200 << 20)\nreturn 1' });
        return undefined;
      },
      30_000,
      'an emptied run cgroup',
    );
    for (const dir of spares) rmdirSync(dir);
    for (let i = 0; i < 3; i++) {
      const res = await t.execute({ code: 'return 2' });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(2);
    }
    expect(zygotePids(t.prefix)).toEqual(before);
  });

  it('answers the run it was serving with a clear 500, and is rebuilt for the next runs', async () => {
    const before = await waitUntil(async () => (zygotePids(t.prefix).length > 0 ? zygotePids(t.prefix) : undefined), 20_000, 'a zygote');
    const marker = `pyexec-zygote-death-${randomBytes(6).toString('hex')}`;
    // supertest sends on then(): start it now.
    const running = t.execute({ code: `import subprocess\nsubprocess.run(["/usr/bin/python3", "-c", "import time; time.sleep(30)", "${marker}"])\nreturn 1`, timeout: 20 }).then((res) => res);
    await waitUntil(async () => (hostProcessesWith(marker).length > 0 ? true : undefined), 10_000, 'the run in progress');
    for (const pid of before) process.kill(pid, 'SIGKILL');
    const answer = await running;
    expect(answer.status).toBe(500);
    expect(answer.body.error).toBe('The sandbox failed to run the program');
    expect(hostProcessesWith(marker)).toEqual([]);
    const after = await waitUntil(async () => {
      const res = await t.execute({ code: 'import sys\nreturn "pandas" in sys.modules' });
      return res.status === 200 && res.body.result === true ? res : undefined;
    }, 30_000, 'a rebuilt fork server');
    expect(after.body.result).toBe(true);
    const now = zygotePids(t.prefix);
    expect(now.length).toBe(1);
    expect(now.filter((pid) => before.includes(pid))).toEqual([]);
  });
});

describe('lean fork servers (a second server per slot, preloading nothing)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('lean-servers', { WORKER_CONCURRENCY: '2', SANDBOX_FORKSERVER: '1', SANDBOX_POOL_SIZE: '1', SANDBOX_LEAN_SERVERS: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a program importing only the standard library in the lean server, any other in the full one, and a program whose lean server is busy in the full one', async () => {
    await waitUntil(async () => (zygotePids(t.prefix).length === 2 ? true : undefined), 30_000, 'both zygotes');
    const loaded = 'return ["numpy" in sys.modules, "pandas" in sys.modules]';
    expect((await t.execute({ code: `import sys\n${loaded}` })).body.result).toEqual([false, false]);
    expect((await fullServerAnswer(t, `import sys, numpy\n${loaded}`)).body.result).toEqual([true, true]);
    expect((await t.execute({ code: `import sys\nfrom scipy import constants\n${loaded}` })).body.result).toEqual([true, true]);
    expect((await t.execute({ code: `import sys\nnp = __import__("numpy")\n${loaded}` })).body.result).toEqual([true, true]);
    const marker = `pyexec-lean-busy-${randomBytes(6).toString('hex')}`;
    const busy = t.execute({ code: `import subprocess, sys\nsubprocess.run(["/usr/bin/python3", "-c", "import time; time.sleep(3)", "${marker}"])\n${loaded}` }).then((res) => res);
    await waitUntil(async () => (hostProcessesWith(marker).length > 0 ? true : undefined), 10_000, 'the lean server busy');
    expect((await t.execute({ code: `import sys\n${loaded}` })).body.result).toEqual([true, true]);
    expect((await busy).body.result).toEqual([false, false]);
  });
});
