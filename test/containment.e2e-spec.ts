import Redis from 'ioredis';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CGROUP_CONTROLLERS, cgroupPids, sandboxCgroups } from './support/cgroups';
import { waitUntil } from './support/wait';
import { KEY, startTestApp, TestApp } from './support/test-app';
import { answerBound, jsonBytes } from '../src/contract/answer-size';

/**
 * Hostile programs against the real sandbox. Each case asserts the answer, that the host is
 * unharmed, that the service still answers a trivial run, and that no process of the run is
 * left (in its cgroup or any other run cgroup).
 */

/**
 * Pool slots: WORKER_CONCURRENCY below, hence SANDBOX_POOL_SIZE, unless the environment turns the
 * pool off; with lean fork servers (unless turned off) the slot's lean server is a slot of its own.
 */
const leanServers = process.env.SANDBOX_FORKSERVER !== '0' && process.env.SANDBOX_LEAN_SERVERS !== '0';
const slots = process.env.SANDBOX_POOL_SIZE === '0' ? 0 : leanServers ? 2 : 1;
const PROJECT_DIR = path.resolve(__dirname, '..');

/** Clock ticks since boot (USER_HZ is 100 on Linux), the unit of a process's start time. */
const TICKS_PER_SECOND = 100;
const ticksSinceBoot = () => Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * TICKS_PER_SECOND);

/** Start times (ticks since boot) of the processes in these cgroup directories. */
function processStarts(dirs: string[]): number[] {
  return dirs.flatMap((dir) => {
    return cgroupPids(dir).flatMap((pid) => {
      try {
        // Field 22 (starttime), counted after the command's closing parenthesis.
        return [Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19])];
      } catch {
        return []; // exited meanwhile
      }
    });
  });
}

/**
 * A host uid range of the app's own (SANDBOX_UID_BASE), so that filling a uid's kernel counters
 * here touches no other test's service on this host.
 */
function uidBase(): number {
  return 1_000_000_000 + randomInt(800_000) * 1000;
}

describe('containment suite', () => {
  let t: TestApp;
  let sentinels: ChildProcess[];
  const started = Date.now();
  const base = uidBase();

  beforeAll(async () => {
    t = await startTestApp('containment', { SANDBOX_MAX_PIDS: '32', WORKER_CONCURRENCY: '1', SANDBOX_UID_BASE: String(base) });
    // Host processes with the jails' own uids (the slots' runs, their zygotes, the first on demand):
    // nothing a jail does may reach them.
    sentinels = Array.from({ length: Math.max(3, 2 * slots + 1) }, (_, i) => i).map((i) => spawn('/usr/bin/sleep', ['600'], { uid: base + i, gid: base + i, stdio: 'ignore' }));
  });
  afterAll(async () => {
    for (const sentinel of sentinels) sentinel.kill('SIGKILL');
    await t.close();
    console.log(`containment suite wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  // With the pool on, a jail waits for its program in a run cgroup of its own; one-shot jails
  // remove their run's cgroup after it, fork servers empty it and keep it for a later run. Once a
  // case is answered, no process of it may be left in any run cgroup: every process there (the
  // one parked for the next run) started after the case ended.
  afterEach(async () => {
    const caseEnded = ticksSinceBoot();
    for (const sentinel of sentinels) {
      expect(sentinel.exitCode).toBeNull();
      expect(sentinel.signalCode).toBeNull();
    }
    const probe = async (code: string) => {
      const res = await t.execute({ code });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(42);
    };
    await probe('return 6 * 7');
    const leftOver = () => processStarts(sandboxCgroups(t.prefix)).filter((start) => start < caseEnded);
    // Processes are only in the parked runs' cgroups (one per pool slot): a process of the case
    // that keeps forking new ones is in another (its own), whatever its start time.
    const busyCgroups = () => sandboxCgroups(t.prefix).filter((dir) => dir.startsWith('/sys/fs/cgroup/pids/') && cgroupPids(dir).length > 0);
    await waitUntil(
      async () => {
        if (leftOver().length === 0 && busyCgroups().length <= slots) return true;
        // With two fork servers, the one that served no probe yet may still hold the process it
        // parked before the case ended: a probe to each (numpy goes to the full one) replaces it.
        // A process of the case stays, whatever is run after it.
        if (slots === 2) for (const code of ['import numpy\nreturn 6 * 7', 'return 6 * 7']) await probe(code);
        return undefined;
      },
      5000,
      "the case's processes gone",
    ).catch(() => undefined);
    expect(leftOver()).toEqual([]);
    expect(busyCgroups().length).toBeLessThanOrEqual(slots);
    // The reading sees processes at all (cgroup v1 hosts, as this suite's paths): with the pool on, the next run's is parked in a run cgroup.
    if (slots > 0 && existsSync('/sys/fs/cgroup/pids')) await waitUntil(async () => (busyCgroups().length > 0 ? true : undefined), 5000, 'a parked run');
    // The parked run's cgroup and at most two emptied ones a fork server keeps, per controller.
    expect(sandboxCgroups(t.prefix).length).toBeLessThanOrEqual(3 * slots * CGROUP_CONTROLLERS.length);
  });

  const run = (code: string, timeout = 10) => t.execute({ code, timeout });

  describe('processes', () => {
    it('fork bomb → 400 process limit', async () => {
      const res = await run('import os\nwhile True:\n    os.fork()');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Process limit of 32 exceeded');
    });

    it('thread bomb → 400 process limit', async () => {
      const res = await run('import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Process limit of 32 exceeded');
      expect(res.body.stderr).toMatch(/can't start new thread|Resource temporarily unavailable/);
    });

    it('CPU spin in several threads → 408, whole tree killed', async () => {
      const res = await run('import threading\ndef spin():\n    while True: pass\nfor _ in range(4):\n    threading.Thread(target=spin).start()\nspin()', 2);
      expect(res.status).toBe(408);
      expect(res.body.error).toBe('Execution timed out after 2 seconds');
    });

    it('os.kill(-1, 9) reaches no host process', async () => {
      const res = await run('import os, subprocess\nchild = subprocess.Popen(["/usr/bin/sleep", "30"])\nos.kill(-1, 9)\nchild.wait()\nreturn child.returncode');
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(-9);
    });
  });

  describe('memory', () => {
    it('one huge allocation → 400 memory limit', async () => {
      const res = await run('x = bytearray(1024 * 1024 * 1024)');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Memory limit of 256 MiB exceeded');
    });

    it('many small allocations → 400 memory limit', async () => {
      const res = await run('chunks = []\nwhile True:\n    chunks.append(b"x" * 1024 * 1024)');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Memory limit of 256 MiB exceeded');
    });

    it('an address-space bomb (beyond the rlimit) → 400 memory limit', async () => {
      const res = await run('x = " " * (8 * 1024 ** 3)');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Memory limit of 256 MiB exceeded');
    });

    it('a memory bomb in a child process → 400 memory limit, though the parent exits 0', async () => {
      const res = await run('import subprocess\np = subprocess.run(["/usr/bin/python3", "-c", "x = b\'x\' * 2 ** 30"])\nprint("child", p.returncode)');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Memory limit of 256 MiB exceeded');
      expect(res.body.stdout).toBe('child -9\n');
    });
  });

  describe('output', () => {
    it.each([
      ['stdout', 'import sys\nwhile True:\n    sys.stdout.write("x" * 65536)'],
      ['stderr', 'import sys\nwhile True:\n    sys.stderr.write("x" * 65536)'],
      ['stdout', 'import os\nwhile True:\n    os.write(1, b"y" * 65536)'],
    ])('flood on %s → 400 output limit, output so far kept', async (stream, code) => {
      const res = await run(code);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(`Output limit of 1048576 bytes exceeded on ${stream}`);
      expect(Buffer.byteLength(res.body[stream])).toBe(1048576);
    });

    // Issue 16: control bytes take 6 bytes each in JSON (\u0001). Caps count JSON bytes now, so
    // an answer, and the Redis entry holding it, stay within answerBound of the caps.
    describe('storage amplification', () => {
      let redis: Redis;
      let bound: number;
      let cap: number;
      let files: { max_output_files: number; max_output_files_bytes: number };
      beforeAll(async () => {
        redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
        const runtime = await fetch(`${t.url}/v1/runtime`, { headers: { 'x-api-key': KEY } }).then((res) => res.json());
        cap = runtime.limits.default.max_output_bytes;
        files = runtime.files;
        bound = answerBound({ maxOutputBytes: cap, maxOutputFiles: files.max_output_files, maxOutputFilesBytes: files.max_output_files_bytes });
      });
      afterAll(() => redis.disconnect());

      /** The answer's JSON bytes and MEMORY USAGE of its job's hash (which holds the request) and of its result's key. */
      async function measured(res: { body: Record<string, unknown> }, label: string): Promise<{ answer: number; entry: number }> {
        const answer = jsonBytes(res.body);
        const jobKey = `${t.prefix}:python-execution:${String(res.body.job_id)}`;
        const usage = async (key: string) => Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
        const entry = (await usage(jobKey)) + (await usage(`${jobKey}:result`));
        console.log(`[containment] ${label}: answer ${answer} bytes, Redis entry ${entry} bytes (answerBound ${bound})`);
        // Redis's allocator rounds a large value up to its size class (at most 25 %).
        expect(answer).toBeLessThanOrEqual(bound);
        expect(entry).toBeLessThanOrEqual(bound * 1.25 + 64 * 1024);
        return { answer, entry };
      }

      it('1 MiB of \\x01 on stdout and stderr, a return value of control characters → 400 output limit, each stream cut to the cap in JSON', async () => {
        const res = await run('import sys\nfor s in (sys.stdout, sys.stderr):\n    s.buffer.write(b"\\x01" * 1000000)\n    s.flush()\nreturn "\\x01" * 170000');
        expect(res.status).toBe(400);
        expect(res.body.error).toBe(`Output limit of ${cap} bytes exceeded on stdout`);
        for (const stream of ['stdout', 'stderr']) expect(jsonBytes(res.body[stream]) - 2).toBe(cap - (cap % 6));
        const { answer } = await measured(res, 'control-byte flood');
        expect(answer).toBeLessThan(2 * cap + 4096);
      });

      it('every part at its cap (controls on both streams, a return value of controls, backslashes and lone surrogates, output files at their limit) → 200 within answerBound', async () => {
        const code = [
          'import os, sys',
          `cap = ${cap}`,
          'for s in (sys.stdout, sys.stderr):',
          '    s.buffer.write(b"\\x01" * (cap // 6))',
          '    s.flush()',
          `for i in range(${files.max_output_files}):`,
          '    with open("f%02d" % i, "wb") as f:',
          `        f.write(os.urandom(${files.max_output_files_bytes} // ${files.max_output_files}))`,
          'return "\\x01\\\\\\ud800" * ((cap - 2) // 14)',
        ].join('\n');
        const res = await run(code, 30);
        expect(res.status).toBe(200);
        expect(res.body.files).toHaveLength(files.max_output_files);
        expect(jsonBytes(res.body.result) - 2).toBeGreaterThan(cap - 14);
        await measured(res, 'worst case');
      });

      it('a return value that grows once re-encoded (1e+20 becomes 100000000000000000000) → 400 too large', async () => {
        const res = await run(`return [1e20] * (${cap} // 6 - 1)`);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(new RegExp(`^Return value of \\d+ bytes exceeds the limit of ${cap} bytes$`));
        await measured(res, 'growing return value');
      });
    });
  });

  describe('disk', () => {
    it('filling /tmp → 400 with the program\'s own error', async () => {
      const res = await run('with open("/tmp/fill", "wb") as f:\n    while True:\n        f.write(b"x" * 1024 * 1024)');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^OSError: \[Errno (28|27)\] (No space left on device|File too large)/);
    });

    it('one huge sparse file → 400 File too large (RLIMIT_FSIZE)', async () => {
      const res = await run('with open("/tmp/huge", "wb") as f:\n    f.seek(10 ** 10)\n    f.write(b"x")');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^OSError: \[Errno 27\] File too large/);
    });
  });

  describe('network', () => {
    it('TCP to the service, to Redis, UDP, DNS, raw sockets and IPv6 all fail', async () => {
      const port = new URL(t.url).port;
      const code = [
        'import socket',
        'attempts = {',
        `  "service": lambda: socket.create_connection(("127.0.0.1", ${port}), timeout=2),`,
        '  "redis": lambda: socket.create_connection(("127.0.0.1", 6379), timeout=2),',
        '  "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53)),',
        '  "dns": lambda: socket.getaddrinfo("example.com", 80),',
        '  "raw": lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),',
        '  "packet": lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW),',
        '  "ipv6": lambda: socket.create_connection(("::1", 6379), timeout=2),',
        '}',
        'out = {}',
        'for name, attempt in attempts.items():',
        '    try:',
        '        attempt()',
        '        out[name] = "REACHED"',
        '    except OSError as e:',
        '        out[name] = type(e).__name__',
        'out["unix_socketpair"] = len(socket.socketpair())',
        'return out',
      ].join('\n');
      const res = await run(code);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.result)).not.toContain('REACHED');
      expect(res.body.result.unix_socketpair).toBe(2);
    });
  });

  describe('file system', () => {
    it('cannot read /etc/shadow, /root, the host /proc/1/environ or the project files', async () => {
      const files = ['/etc/shadow', '/root/.bashrc', '/proc/1/root/etc/shadow', path.join(PROJECT_DIR, 'package.json'), '/work'];
      const code = [
        'import os',
        'out = {}',
        `for p in ${JSON.stringify(files)}:`,
        '    try:',
        '        open(p).read()',
        '        out[p] = "READ"',
        '    except OSError as e:',
        '        out[p] = type(e).__name__',
        'out["pid1_environ"] = open("/proc/1/environ").read()',
        'return out',
      ].join('\n');
      const res = await run(code);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.result)).not.toContain('READ');
      // /proc/1 is the jail's own first process: its environment is the clean one.
      expect(res.body.result.pid1_environ.split('\0').filter(Boolean).map((kv: string) => kv.split('=')[0]).sort()).toEqual(['HOME', 'LANG', 'PATH']);
    });

    it('cannot write to /usr, / or the project directory', async () => {
      const targets = ['/usr/pwned', '/pwned', path.join(PROJECT_DIR, 'pwned')];
      const code = `out = {}\nfor p in ${JSON.stringify(targets)}:\n    try:\n        open(p, "w").write("x")\n        out[p] = "WROTE"\n    except OSError as e:\n        out[p] = type(e).__name__\nreturn out`;
      const res = await run(code);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.result)).not.toContain('WROTE');
      for (const target of targets) expect(existsSync(target)).toBe(false);
    });

    it('symlinks in /tmp lead nowhere outside the jail', async () => {
      const code = [
        'import os',
        'out = {}',
        'for name, target in [("shadow", "/etc/shadow"), ("root", "/proc/1/root/../../etc/passwd"), ("cwd", "/proc/self/cwd/../../root")]:',
        '    os.symlink(target, "/tmp/" + name)',
        '    try:',
        '        open("/tmp/" + name).read()',
        '        out[name] = "READ"',
        '    except OSError as e:',
        '        out[name] = type(e).__name__',
        'return out',
      ].join('\n');
      const res = await run(code);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.result)).not.toContain('READ');
    });

    it("/proc gives no host data: host-wide files read empty, host-wide directories are empty, nothing is writable", async () => {
      const files = [
        'cmdline', 'config.gz', 'loadavg', 'meminfo', 'stat', 'diskstats', 'uptime', 'kcore', 'keys', 'key-users', 'timer_list',
        'sched_debug', 'sysrq-trigger', 'kallsyms', 'modules', 'vmstat', 'zoneinfo', 'interrupts', 'locks', 'partitions', 'swaps',
        'mtrr', 'sys/kernel/random/boot_id', 'sys/kernel/hostname', 'pressure/cpu', 'pressure/memory',
      ].map((name) => `/proc/${name}`);
      const code = [
        'import os',
        'out = {}',
        `for p in ${JSON.stringify(files)}:`,
        '    try:',
        '        with open(p, "rb") as f:',
        '            out[p] = f.read().decode("latin-1")',
        '    except OSError as e:',
        '        out[p] = type(e).__name__',
        'for d in ["/proc/sys", "/proc/pressure", "/proc/irq", "/proc/fs", "/proc/bus"]:',
        '    out[d] = os.listdir(d) if os.path.isdir(d) else "absent"',
        'for p in ["/proc/sysrq-trigger", "/proc/sys/kernel/hostname", "/proc/pressure/cpu"]:',
        '    try:',
        '        open(p, "w").write("x")',
        '        out["write " + p] = "WROTE"',
        '    except OSError as e:',
        '        out["write " + p] = type(e).__name__',
        // A masked file is /dev/null: what is written to it goes nowhere.
        'open("/proc/cmdline", "w").write("x")',
        'out["cmdline after a write"] = open("/proc/cmdline").read()',
        // What the program needs of /proc still works.
        'out["self"] = open("/proc/self/status").read().startswith("Name:")',
        'out["cpus"] = os.cpu_count()',
        'out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())',
        'return out',
      ].join('\n');
      const res = await run(code);
      expect(res.status).toBe(200);
      const out = res.body.result;
      // Empty, absent, or (root's alone: kcore, timer_list, sysrq-trigger, ...) not for the run to open.
      for (const file of files) expect([file, out[file]]).toEqual([file, expect.stringMatching(/^(|FileNotFoundError|PermissionError|OSError)$/)]);
      for (const dir of ['/proc/sys', '/proc/pressure', '/proc/irq', '/proc/fs', '/proc/bus']) expect([dir, out[dir] === 'absent' ? [] : out[dir]]).toEqual([dir, []]);
      for (const target of ['/proc/sysrq-trigger', '/proc/sys/kernel/hostname', '/proc/pressure/cpu']) expect(out[`write ${target}`]).toMatch(/^(OSError|FileNotFoundError|PermissionError)$/);
      expect(out['cmdline after a write']).toBe('');
      // The host's own values appear nowhere in the answer.
      const answer = JSON.stringify(res.body);
      for (const hostFile of ['/proc/sys/kernel/random/boot_id', '/proc/cmdline']) expect(answer).not.toContain(readFileSync(hostFile, 'utf8').trim());
      expect(out.self).toBe(true);
      expect(out.cpus).toBeGreaterThan(0);
      expect(out.pids[0]).toBe(1);
    });

    it('/dev holds only harmless devices', async () => {
      const res = await run('import os\nreturn sorted(os.listdir("/dev"))');
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual(['null', 'random', 'shm', 'urandom', 'zero']);
    });
  });

  describe('privileges', () => {
    it('runs with uid/gid ≠ 0, no capabilities, and cannot become root', async () => {
      const code = 'import os\nstatus = dict(l.split(":\\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\\t" in l)\ntry:\n    os.setuid(0)\n    became = "ROOT"\nexcept OSError as e:\n    became = type(e).__name__\nreturn [os.getuid(), os.getgid(), status["CapEff"].strip(), status["CapBnd"].strip(), became]';
      const res = await run(code);
      expect(res.status).toBe(200);
      const [uid, gid, capEff, capBnd, became] = res.body.result;
      expect(uid).not.toBe(0);
      expect(gid).not.toBe(0);
      expect(capEff).toBe('0000000000000000');
      expect(capBnd).toBe('0000000000000000');
      expect(became).toMatch(/^(PermissionError|OSError)$/);
    });

    it.each([
      ['ptrace', 'import ctypes\nctypes.CDLL(None, use_errno=True).ptrace(0, 0, 0, 0)'],
      ['mount', 'import ctypes\nctypes.CDLL(None, use_errno=True).mount(b"none", b"/tmp", b"tmpfs", 0, None)'],
      ['unshare', 'import ctypes\nctypes.CDLL(None, use_errno=True).unshare(0x10000000)'],
      ['clone with a namespace flag', 'import ctypes\nctypes.CDLL(None, use_errno=True).syscall(56, 0x10000000 | 17, 0, 0, 0, 0)'],
      ['bpf', 'import ctypes\nctypes.CDLL(None, use_errno=True).syscall(321, 0, 0, 0)'],
    ])('%s → 400 forbidden operation', async (_name, code) => {
      const res = await run(code);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Forbidden operation attempted: the sandbox does not allow this system call');
      expect(res.body.exit_code).toBe(159);
    });

    it('a system call not on the allowlist answers ENOSYS (modify_ldt, personality, legacy AIO, fanotify, syslog, clone3)', async () => {
      // x86-64 numbers: modify_ldt 154, personality 135, io_setup 206, fanotify_init 300, syslog 103, clone3 435.
      const calls = { modify_ldt: [154, 0, 0, 0], personality: [135, 0xffffffff], io_setup: [206, 1, 0], fanotify_init: [300, 0, 0], syslog: [103, 3, 0, 0], clone3: [435, 0, 0] };
      const code = [
        'import ctypes',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'out = {}',
        `for name, args in ${JSON.stringify(calls)}.items():`,
        '    ctypes.set_errno(0)',
        '    out[name] = [libc.syscall(*[ctypes.c_long(a) for a in args]), ctypes.get_errno()]',
        'return out',
      ].join('\n');
      const res = await run(code);
      expect(res.status).toBe(200);
      for (const name of Object.keys(calls)) expect([name, res.body.result[name]]).toEqual([name, [-1, 38]]);
    });

    it('the environment holds no secret of the host', async () => {
      const res = await run('import os\nreturn sorted(os.environ)');
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual(['HOME', 'LANG', 'PATH']);
    });
  });

  describe('ordinary Python keeps working', () => {
    it('threads, subprocess, multiprocessing, asyncio, sqlite, ssl', async () => {
      const code = [
        'import asyncio, concurrent.futures, multiprocessing, sqlite3, ssl, subprocess',
        'def square(n):',
        '    return n * n',
        'with concurrent.futures.ThreadPoolExecutor(8) as pool:',
        '    threads = sum(pool.map(square, range(10)))',
        'with multiprocessing.Pool(2) as pool:',
        '    processes = sum(pool.map(square, range(10)))',
        'sub = subprocess.run(["/usr/bin/python3", "-c", "print(7)"], capture_output=True, text=True).stdout.strip()',
        'async def main():',
        '    await asyncio.sleep(0.01)',
        '    return "async"',
        'db = sqlite3.connect(":memory:")',
        'db.execute("create table t (x)")',
        'db.execute("insert into t values (42)")',
        'return [threads, processes, sub, asyncio.run(main()), db.execute("select x from t").fetchone()[0], ssl.OPENSSL_VERSION.split()[0]]',
      ].join('\n');
      const res = await run(code, 30);
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual([285, 285, '7', 'async', 42, 'OpenSSL']);
    });
  });
});

/**
 * Kernel counters kept per user (issue 16): one run holds each at its limit — in a child that
 * then stops itself, so the host sees when it holds — while another run and the host each still
 * get one. Two runs at once, so two slots, each with its own host uid.
 */
describe('per-user kernel counters', () => {
  let t: TestApp;
  const base = uidBase();
  // Two uids per pool slot (a lean fork server is a slot of its own), and room for runs on demand.
  const COUNT = 12;
  const hostValue = (file: string) => Number(readFileSync(file, 'utf8').trim());

  beforeAll(async () => {
    t = await startTestApp('counters', { WORKER_CONCURRENCY: '2', SANDBOX_UID_BASE: String(base), SANDBOX_UID_COUNT: String(COUNT), SANDBOX_MEMORY_MB: '512' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Processes of this app's jails (host uid in its range) that are stopped. */
  function stoppedJailProcesses(): number[] {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
          return uid >= base && uid < base + COUNT && /^State:\s+T/m.test(status);
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  // Each probe takes one of the counter (and gives it back), from a run or from the host (root).
  const PROBES = String.raw`
import ctypes, fcntl, json, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032
def errno_of(result):
    return 0 if result >= 0 else ctypes.get_errno()
def inotify_instances():
    fd = libc.inotify_init1(0)
    os.close(fd) if fd >= 0 else None
    return errno_of(fd)
def inotify_watches():
    fd = libc.inotify_init1(0)
    watch = libc.inotify_add_watch(fd, b"/tmp", 0x100) if fd >= 0 else fd
    result = errno_of(watch)
    os.close(fd) if fd >= 0 else None
    return result
def pipe_buffers():
    r, w = os.pipe()
    try:
        default = fcntl.fcntl(w, F_GETPIPE_SZ)
        fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
        return [default, fcntl.fcntl(w, F_GETPIPE_SZ)]
    except OSError as e:
        return e.errno
    finally:
        os.close(r); os.close(w)
def message_queues():
    name = b"/pyexec-probe-%d" % os.getpid()
    fd = libc.mq_open(name, os.O_CREAT | os.O_RDWR, 0o600, None)
    result = errno_of(fd)
    if fd >= 0:
        os.close(fd); libc.mq_unlink(name)
    return result
def pending_signals():
    sig = signal.SIGRTMIN
    signal.signal(sig, lambda *_: None)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
    try:
        result = errno_of(libc.sigqueue(os.getpid(), sig, ctypes.c_void_p(0)))
        if result == 0:
            signal.sigwaitinfo([sig])
        return result
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
PROBES = {"inotify_instances": inotify_instances, "inotify_watches": inotify_watches, "pipe_buffers": pipe_buffers, "message_queues": message_queues, "pending_signals": pending_signals}
`;

  // Each filler takes the counter until the kernel refuses, and returns [how many, the errno of the refusal].
  const FILLERS: Record<string, string> = {
    inotify_instances: String.raw`
def fill():
    held = []
    while True:
        fd = libc.inotify_init1(0)
        if fd < 0:
            return [len(held), ctypes.get_errno()]
        held.append(fd)`,
    // max_user_watches counts (instance, inode) pairs: 1600 files watched by as many instances as it takes.
    inotify_watches: String.raw`
def fill():
    paths = []
    for i in range(1600):
        path = b"/tmp/w%d" % i
        open(path, "w").close()
        paths.append(path)
    watches = 0
    while True:
        fd = libc.inotify_init1(0)
        if fd < 0:
            return [watches, ctypes.get_errno()]
        for path in paths:
            if libc.inotify_add_watch(fd, path, 0x100) < 0:
                return [watches, ctypes.get_errno()]
            watches += 1`,
    pipe_buffers: String.raw`
def fill():
    pipes = []
    while True:
        r, w = os.pipe()
        pipes.append((r, w))
        try:
            fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
        except OSError as e:
            return [len(pipes) - 1, e.errno]`,
    message_queues: String.raw`
def fill():
    queues = 0
    while True:
        if libc.mq_open(b"/q%d" % queues, os.O_CREAT | os.O_RDWR, 0o600, None) < 0:
            return [queues, ctypes.get_errno()]
        queues += 1`,
    pending_signals: String.raw`
def fill():
    sig = signal.SIGRTMIN
    signal.signal(sig, lambda *_: None)
    signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
    queued = 0
    while True:
        if libc.sigqueue(os.getpid(), sig, ctypes.c_void_p(0)) < 0:
            return [queued, ctypes.get_errno()]
        queued += 1`,
  };

  // What the run held when the kernel refused: [how many, errno]. The limits are the host's (a
  // run cannot read them: /proc/sys is masked) or the service's rlimits, which the jails inherit.
  const EMFILE = 24, ENOSPC = 28, EPERM = 1, EAGAIN = 11;
  const rlimit = (name: string) => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
  const LIMITS: Record<string, { count: () => number; errno: number; slack: number }> = {
    inotify_instances: { count: () => hostValue('/proc/sys/fs/inotify/max_user_instances'), errno: EMFILE, slack: 0 },
    inotify_watches: { count: () => hostValue('/proc/sys/fs/inotify/max_user_watches'), errno: ENOSPC, slack: 0 },
    // Pipes of 1 MiB (256 pages) past pipe-user-pages-soft can no longer grow; the run's own small pipes count too.
    pipe_buffers: { count: () => hostValue('/proc/sys/fs/pipe-user-pages-soft') / 256, errno: EPERM, slack: 2 },
    // RLIMIT_MSGQUEUE's bytes; a queue of the default 10 messages of 8 KiB costs a little more than 80 KiB.
    message_queues: { count: () => Math.floor(rlimit('Max msgqueue size') / (10 * 8192 + 1024)), errno: EMFILE, slack: 1 },
    pending_signals: { count: () => rlimit('Max pending signals'), errno: EAGAIN, slack: 0 },
  };

  it.each(Object.keys(FILLERS))('%s: one run holds them all, another run and the host still get one', async (counter) => {
    const holder = [
      PROBES,
      FILLERS[counter],
      'r, w = os.pipe()',
      'child = os.fork()',
      'if child == 0:',
      '    os.write(w, json.dumps(fill()).encode())',
      // Stopped, still holding: the host waits for this, then lets it go on (SIGCONT).
      '    os.kill(os.getpid(), signal.SIGSTOP)',
      '    os._exit(0)',
      'os.close(w)',
      'held = json.loads(os.read(r, 4096))',
      'os.waitpid(child, 0)',
      'return held',
    ].join('\n');
    const holding = t.execute({ code: holder, timeout: 60 }).then((res) => res);
    const [stopped] = await waitUntil(async () => {
      const pids = stoppedJailProcesses();
      return pids.length > 0 ? pids : undefined;
    }, 50_000, 'the run holding the counter');
    try {
      const other = await t.execute({ code: `${PROBES}\nreturn PROBES[${JSON.stringify(counter)}]()`, timeout: 20 });
      const host = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `${PROBES}\nprint(json.dumps(PROBES[${JSON.stringify(counter)}]()))`], { encoding: 'utf8' }));
      expect(other.status).toBe(200);
      const got = counter === 'pipe_buffers' ? [65536, 1 << 20] : 0;
      expect({ counter, other: other.body.result, host }).toEqual({ counter, other: got, host: got });
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
    const held = await holding;
    expect(held.status).toBe(200);
    const [count, errno] = held.body.result;
    expect({ counter, errno }).toEqual({ counter, errno: LIMITS[counter].errno });
    expect(Math.abs(count - LIMITS[counter].count())).toBeLessThanOrEqual(LIMITS[counter].slack);
  });
});
