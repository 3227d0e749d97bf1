import request from 'supertest';
import { KEY, startTestApp, TestApp } from './support/test-app';

/** Hostile input: deep nesting, nulls, wrong methods — always a 4xx in the `{error, ...}` shape, never a 500. */
describe('hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('hostile');
  });
  afterAll(async () => {
    await t.close();
  });

  const raw = (body: string) =>
    request(t.url).post('/v1/code/execute/python').set('x-api-key', KEY).set('content-type', 'application/json').send(body);

  describe('JSON nesting depth', () => {
    const problem = 'JSON nested deeper than 64 levels';

    it.each([65, 3_200, 100_000])('refuses a body nested %i levels deep with 400', async (levels) => {
      const res = await raw(`{"code": "pass", "env": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: `Invalid request: ${problem}`, details: [problem] });
    });

    it('refuses deep nesting inside limits (objects) too', async () => {
      const res = await raw(`{"code": "pass", "limits": ${'{"a":'.repeat(80)}1${'}'.repeat(80)}}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(`Invalid request: ${problem}`);
    });

    it('counts no brackets inside strings: code full of brackets runs', async () => {
      const res = await t.execute({ code: `s = "${'['.repeat(200)}{"\nreturn len(s)` });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(201);
    });

    it('lets a body at the bound reach validation (which names the wrong type)', async () => {
      const res = await raw(`{"code": "pass", "env": ${'['.repeat(63)}${']'.repeat(63)}}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Invalid request: each item of env must be an object {name, value}');
    });

    it.each([
      ['env: [[]]', { code: 'pass', env: [[]] }, 'each item of env must be an object {name, value}'],
      ['env: [null]', { code: 'pass', env: [null] }, 'each item of env must be an object {name, value}'],
      ['files: [[]]', { code: 'pass', files: [[]] }, 'each item of files must be an object {path, content}'],
      ['limits: []', { code: 'pass', limits: [] }, 'limits must be an object'],
      ['limits: "x"', { code: 'pass', limits: 'x' }, 'limits must be an object'],
    ])('refuses %s (arrays are not items)', async (_name, body, problem) => {
      const res = await t.execute(body);
      expect(res.status).toBe(400);
      expect(res.body.details).toContain(problem);
    });
  });

  describe('null fields', () => {
    it.each([
      ['id', { code: 'pass', id: null }],
      ['stdin', { code: 'pass', stdin: null }],
      ['webhook_url', { code: 'pass', webhook_url: null }],
      ['timeout', { code: 'pass', timeout: null }],
      ['env', { code: 'pass', env: null }],
      ['files', { code: 'pass', files: null }],
      ['limits', { code: 'pass', limits: null }],
      ['limits.memory_mb', { code: 'pass', limits: { memory_mb: null } }],
      ['limits.cpus', { code: 'pass', limits: { cpus: null } }],
    ])('refuses %s: null with 400 naming the field', async (field, body) => {
      const res = await t.execute(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: `Invalid request: ${field} must not be null`, details: [`${field} must not be null`] });
    });

    it('refuses code: null as a missing string', async () => {
      const res = await t.execute({ code: null });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/code must be a string/);
    });

    it('still accepts the fields absent', async () => {
      const res = await t.execute({ code: 'return 7', limits: {} });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(7);
    });
  });

  describe('wrong methods', () => {
    it.each(['PUT', 'DELETE', 'PATCH', 'GET'])('%s on /v1/code/execute/python is 405 with Allow: POST', async (method) => {
      const res = await request(t.url)[method.toLowerCase() as 'put'](`/v1/code/execute/python`).set('x-api-key', KEY);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.body).toEqual({ error: `Method ${method} is not allowed on /v1/code/execute/python (allowed: POST)` });
    });

    it('TRACE on /v1/code/execute/python is 405 with Allow: POST', async () => {
      const res = await request(t.url).trace('/v1/code/execute/python');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });

    it.each(['POST', 'PUT', 'DELETE'])('%s on /v1/jobs/{job_id} is 405 with Allow: GET, HEAD', async (method) => {
      const res = await request(t.url)[method.toLowerCase() as 'post']('/v1/jobs/6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10').set('x-api-key', KEY);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(typeof res.body.error).toBe('string');
    });

    it.each([
      ['POST', '/v1/runtime'],
      ['DELETE', '/health'],
      ['POST', '/metrics'],
    ])('%s on %s is 405', async (method, path) => {
      const res = await request(t.url)[method.toLowerCase() as 'post'](path);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    });

    it('does not parse the body of a wrong method', async () => {
      const res = await request(t.url).put('/v1/code/execute/python').set('content-type', 'application/json').send('{not json');
      expect(res.status).toBe(405);
    });

    it('leaves unknown paths at 404, whatever the method', async () => {
      for (const method of ['get', 'post', 'put', 'delete'] as const) {
        const res = await request(t.url)[method]('/v1/nothing-here').set('x-api-key', KEY);
        expect(res.status).toBe(404);
        expect(res.headers.allow).toBeUndefined();
        expect(typeof res.body.error).toBe('string');
      }
    });

    it('answers OPTIONS on a known path with 204 and Allow, on an unknown one with 404', async () => {
      const res = await request(t.url).options('/v1/code/execute/python');
      expect(res.status).toBe(204);
      expect(res.headers.allow).toBe('POST');
      expect((await request(t.url).options('/v1/jobs/x')).headers.allow).toBe('GET, HEAD');
      expect((await request(t.url).options('/v1/nothing-here')).status).toBe(404);
    });

    it('still answers the right methods', async () => {
      expect((await request(t.url).get('/health')).status).toBe(200);
      expect((await request(t.url).head('/health')).status).toBe(200);
      expect((await request(t.url).get('/v1/runtime').set('x-api-key', KEY)).status).toBe(200);
    });
  });
});
