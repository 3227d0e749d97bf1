import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort, metricValue, ServiceProcess } from './support/processes';
import { cleanPrefix, uniquePrefix } from './support/test-app';
import { waitUntil } from './support/wait';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
const newKey = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;

/** Replaces a file the way editors and Kubernetes do: a new file renamed over the old one. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

interface Sent {
  key: string;
  /** An execution, or GET /v1/runtime (a cheap route behind the same guard). */
  route: 'execute' | 'runtime';
  sentAt: number;
  answeredAt: number;
  status: number;
}

async function execute(baseUrl: string, key: string, code = 'return 1'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/v1/code/execute/python`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ code }),
  });
  return { status: res.status, body: await res.json() };
}

describe('API_KEYS_FILE on a running process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pyexec-keys-e2e-'));
  const prefixes: string[] = [];
  const processes: ServiceProcess[] = [];
  const env = (extra: Record<string, string>) => {
    const prefix = uniquePrefix('keys');
    prefixes.push(prefix);
    return { REDIS_URL, QUEUE_PREFIX: prefix, SANDBOX_CGROUP_PARENT: prefix, ROLE: 'all', WORKER_CONCURRENCY: '4', RATE_LIMIT_PER_MINUTE: '0', ...extra };
  };
  async function start(extra: Record<string, string>): Promise<ServiceProcess> {
    const service = new ServiceProcess(await freePort(), env(extra));
    processes.push(service);
    await service.ready();
    return service;
  }
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const prefix of prefixes) await cleanPrefix(REDIS_URL, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotates keys under traffic: A, then A+B, then B; no request with a valid key fails, A is refused once removed', async () => {
    const A = newKey('a');
    const B = newKey('b');
    const E = newKey('env');
    const file = path.join(dir, 'rotation.keys');
    writeFileSync(file, `# before the rotation\nalpha: ${A}\n`);
    const service = await start({ API_KEYS_FILE: file, API_KEYS: E });

    // Job status across the rotation: a job of B (given as its digest) and one of E (from API_KEYS).
    const sent: Sent[] = [];
    let running = true;
    const loop = async (key: string, route: Sent['route']) => {
      while (running) {
        const sentAt = Date.now();
        const status =
          route === 'execute'
            ? (await execute(service.url, key)).status
            : (await fetch(`${service.url}/v1/runtime`, { headers: { 'x-api-key': key } })).status;
        sent.push({ key, route, sentAt, answeredAt: Date.now(), status });
      }
    };
    const loops = [loop(A, 'execute'), loop(A, 'execute'), loop(A, 'runtime'), loop(A, 'runtime'), loop(B, 'execute'), loop(B, 'runtime')];
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const answered = (key: string, status: number, route?: Sent['route']) =>
      sent.filter((s) => s.key === key && s.status === status && (route === undefined || s.route === route));

    await pause(1000);
    const addedAt = Date.now();
    replace(file, `alpha: ${A}\nbeta: sha256:${sha256(B)}   # B's digest only\n`);
    await waitUntil(async () => (answered(B, 200).length > 0 ? true : undefined), 5000, 'B accepted');
    const jobOfB = await execute(service.url, B);
    const jobOfE = await execute(service.url, E);
    expect([jobOfB.status, jobOfE.status]).toEqual([200, 200]);
    await pause(1000);
    const removedAt = Date.now();
    replace(file, `beta: sha256:${sha256(B)}\nepsilon: ${E}\n`);
    await waitUntil(async () => (answered(A, 401).length > 0 ? true : undefined), 5000, 'A refused');
    await pause(1000);
    running = false;
    await Promise.all(loops);

    // Every answer is 200 or 401: nothing dropped, nothing failed.
    expect(sent.filter((s) => s.status !== 200 && s.status !== 401)).toEqual([]);
    const ofA = sent.filter((s) => s.key === A);
    const ofB = sent.filter((s) => s.key === B);
    // A: accepted by every check before its removal was written; refused for every request sent after the first refusal.
    expect(ofA.filter((s) => s.answeredAt < removedAt && s.status !== 200)).toEqual([]);
    const firstRefusalOfA = Math.min(...answered(A, 401).map((s) => s.answeredAt));
    expect(ofA.filter((s) => s.sentAt > firstRefusalOfA && s.status !== 401)).toEqual([]);
    expect(firstRefusalOfA - removedAt).toBeLessThan(3000);
    expect(answered(A, 200).length).toBeGreaterThan(10);
    expect(answered(A, 401).length).toBeGreaterThan(5);
    // B: refused until it was added, accepted for every request sent after the first acceptance (to the end).
    expect(ofB.filter((s) => s.answeredAt < addedAt && s.status !== 401)).toEqual([]);
    const firstAcceptanceOfB = Math.min(...answered(B, 200).map((s) => s.answeredAt));
    expect(ofB.filter((s) => s.sentAt > firstAcceptanceOfB && s.status !== 200)).toEqual([]);
    console.log(`rotation: ${ofA.length} requests with A (${answered(A, 200).length} accepted, ${answered(A, 401).length} refused), ` +
      `${ofB.length} with B (${answered(B, 401).length} refused, ${answered(B, 200).length} accepted); the first refusal of A answered ` +
      `${firstRefusalOfA - removedAt} ms after the file changed, the first acceptance of B ${firstAcceptanceOfB - addedAt} ms after`);

    // The keys that stayed keep their jobs: B (a sha256: line) and E (API_KEYS, now also named in the file).
    const status = async (jobId: string, key: string) => (await fetch(`${service.url}/v1/jobs/${jobId}`, { headers: { 'x-api-key': key } })).status;
    expect(await status(jobOfB.body.job_id, B)).toBe(200);
    expect(await status(jobOfE.body.job_id, E)).toBe(200);
    expect(await status(jobOfB.body.job_id, E)).toBe(404);

    // Key names in metrics and logs, never the keys.
    expect(await metricValue(service.url, 'pyexec_executions_total{outcome="ok",key="alpha"}')).toBe(answered(A, 200, 'execute').length);
    expect(await metricValue(service.url, 'pyexec_executions_total{outcome="ok",key="beta"}')).toBe(answered(B, 200, 'execute').length + 1);
    expect(await metricValue(service.url, 'pyexec_executions_total{outcome="ok",key="epsilon"}')).toBe(0);
    expect(await metricValue(service.url, `pyexec_executions_total{outcome="ok",key="key-${sha256(E).slice(0, 8)}"}`)).toBe(1);
    const reloads = service.logLines().filter((line) => line.msg === 'API keys reloaded');
    expect(reloads.map(({ added, removed }) => ({ added, removed }))).toEqual([
      { added: ['beta'], removed: [] },
      { added: [], removed: ['alpha'] },
    ]);
    const jobLine = service.logLines().find((line) => line.msg === 'job finished' && line.jobId === jobOfB.body.job_id);
    expect(jobLine).toMatchObject({ keyName: 'beta' });
    const requestLine = service.logLines().find((line) => line.msg === 'request completed' && line.keyName === 'alpha');
    expect(requestLine).toBeDefined();
    const output = service.output.join('');
    for (const key of [A, B, E]) expect(output).not.toContain(key);
  }, 60_000);

  it('reloads on SIGHUP (a file the watch cannot see: a symlink into another directory) and keeps the old keys when the file is bad', async () => {
    const C = newKey('c');
    const D = newKey('d');
    const linkDir = path.join(dir, 'link');
    const realDir = path.join(dir, 'real');
    mkdirSync(linkDir);
    mkdirSync(realDir);
    const real = path.join(realDir, 'keys');
    writeFileSync(real, `gamma: ${C}\n`);
    symlinkSync(real, path.join(linkDir, 'keys'));
    const service = await start({ API_KEYS_FILE: path.join(linkDir, 'keys') });
    expect((await execute(service.url, C)).status).toBe(200);

    writeFileSync(real, `gamma: ${C}\ndelta: ${D}\n`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await execute(service.url, D)).status).toBe(401); // no event reached the watch
    service.child.kill('SIGHUP');
    await waitUntil(async () => ((await execute(service.url, D)).status === 200 ? true : undefined), 5000, 'D accepted after SIGHUP');
    expect(service.logLines().find((line) => line.msg === 'API keys reloaded')).toMatchObject({ reason: 'SIGHUP', added: ['delta'], keys: 2 });

    writeFileSync(real, `gamma ${C} oops\n`);
    service.child.kill('SIGHUP');
    const refused = await waitUntil(async () => service.logLines().find((line) => line.msg === 'API keys not reloaded: keeping the previous keys'), 5000, 'error logged');
    expect(refused).toMatchObject({ level: 50, reason: 'SIGHUP', problem: expect.stringMatching(/line 1: expected "name: key" or a key alone/) });
    expect((await execute(service.url, C)).status).toBe(200);
    expect((await execute(service.url, D)).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
    expect(service.output.join('')).not.toContain(C);
  }, 60_000);

  it('stops the boot with a config error (status 2) on a bad file', async () => {
    const file = path.join(dir, 'bad.keys');
    writeFileSync(file, 'ok: fine-key\nci:forgot-the-space\n');
    const service = new ServiceProcess(await freePort(), env({ API_KEYS_FILE: file }));
    processes.push(service);
    const exit = await service.exited;
    expect(exit.code).toBe(2);
    expect(service.output.join('')).toContain(`config error: API_KEYS_FILE: "${file}": line 2: a name is followed by a colon and a space`);
    expect(service.output.join('')).not.toContain('fine-key');
  });
});
