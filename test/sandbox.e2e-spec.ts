import { randomBytes } from 'node:crypto';
import { hostProcessesWith } from './support/host-processes';
import { KEY, OTHER_KEY, startTestApp, TestApp } from './support/test-app';

describe('sandbox isolation (base rules)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A secret in the server's own environment, as API_KEYS would be in production.
    process.env.PYEXEC_TEST_SERVER_SECRET = KEY;
    t = await startTestApp('sandbox');
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs as an unprivileged uid with no capabilities', async () => {
    const res = await t.execute({
      code: 'import os\ncaps = [l for l in open("/proc/self/status") if l.startswith("CapEff")][0].split()[1]\nreturn [os.getuid(), os.getgid(), os.geteuid(), caps]',
    });
    expect(res.status).toBe(200);
    const [uid, gid, euid, capEff] = res.body.result;
    expect(uid).not.toBe(0);
    expect(gid).not.toBe(0);
    expect(euid).not.toBe(0);
    expect(capEff).toBe('0000000000000000');
  });

  it('has no network: not the host, not Redis, not the internet', async () => {
    const code = [
      'import socket',
      'out = []',
      'for host, port in [("127.0.0.1", 6379), ("10.0.0.1", 80), ("1.1.1.1", 53)]:',
      '    try:',
      '        s = socket.socket()',
      '        s.settimeout(2)',
      '        s.connect((host, port))',
      '        out.append("connected")',
      '    except OSError as e:',
      '        out.append(type(e).__name__)',
      'try:',
      '    socket.getaddrinfo("example.com", 80)',
      '    out.append("resolved")',
      'except OSError as e:',
      '    out.append(type(e).__name__)',
      'return out',
    ].join('\n');
    const res = await t.execute({ code, timeout: 20 });
    expect(res.status).toBe(200);
    expect(res.body.result).not.toContain('connected');
    expect(res.body.result).not.toContain('resolved');
  });

  it('cannot read /etc/shadow or the host /root', async () => {
    const res = await t.execute({
      code: 'out = []\nfor p in ["/etc/shadow", "/root/.bashrc", "/etc/passwd"]:\n    try:\n        open(p).read()\n        out.append("read")\n    except OSError as e:\n        out.append(type(e).__name__)\nreturn out',
    });
    expect(res.status).toBe(200);
    expect(res.body.result).not.toContain('read');
  });

  it("holds only the request's env plus PATH, HOME, LANG: no API key of the server leaks in", async () => {
    const res = await t.execute({ code: 'import os\nreturn dict(os.environ)', env: [{ name: 'MINE', value: 'yes' }] });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.result).sort()).toEqual(['HOME', 'LANG', 'MINE', 'PATH']);
    const dump = JSON.stringify(res.body.result);
    expect(dump).not.toContain(KEY);
    expect(dump).not.toContain(OTHER_KEY);
    expect(dump).not.toContain('PYEXEC_TEST_SERVER_SECRET');
  });

  it('gives every run a fresh /tmp', async () => {
    const marker = randomBytes(8).toString('hex');
    const write = await t.execute({ code: `open("/tmp/marker", "w").write("${marker}")\nimport os\nreturn os.listdir("/tmp")` });
    expect(write.status).toBe(200);
    expect(write.body.result).toEqual(['marker']);
    const read = await t.execute({ code: 'import os\nreturn os.listdir("/tmp")' });
    expect(read.status).toBe(200);
    expect(read.body.result).toEqual([]);
  });

  it('cannot write to the runtime', async () => {
    const res = await t.execute({ code: 'open("/usr/pwned", "w")' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^(OSError|PermissionError).*Read-only file system/);
  });

  it('kills the whole process tree at the deadline: no process of the run is left', async () => {
    const marker = `pyexec-orphan-${randomBytes(6).toString('hex')}`;
    const code = [
      'import subprocess, os',
      `subprocess.Popen(["/usr/bin/python3", "-c", "import time; time.sleep(600)", "${marker}"])`,
      'if os.fork() == 0:',
      '    os.setsid()',
      `    os.execv("/usr/bin/python3", ["/usr/bin/python3", "-c", "while True: pass", "${marker}"])`,
      'print("children started", flush=True)',
      'while True:',
      '    pass',
    ].join('\n');
    const res = await t.execute({ code, timeout: 2 });
    expect(res.status).toBe(408);
    expect(res.body.stdout).toBe('children started\n');
    expect(hostProcessesWith(marker)).toEqual([]);
  });
});
