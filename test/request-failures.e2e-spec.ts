import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { KEY, startTestApp, TestApp } from './support/test-app';

type Operation = { operationId: string; responses: Record<string, unknown>; [key: string]: unknown };
type Document = { paths: Record<string, Record<string, Operation>> };

/**
 * What schemathesis (scripts/schemathesis.sh) found: the body parser's refusals on every /v1 route
 * answer the documented message in the `{error}` shape (never JSON.parse's text, never a 500), and
 * every status a route answers is in its OpenAPI description; the links executePython -> getJob /
 * redeliverWebhook are in the document.
 */
describe('request failures on every route, as documented', () => {
  let t: TestApp;
  let document: Document;
  beforeAll(async () => {
    t = await startTestApp('request-failures');
    document = (await request(t.url).get('/docs-json')).body as Document;
  });
  afterAll(async () => {
    await t.close();
  });

  const ROUTES = [
    { method: 'post', path: '/v1/code/execute/python', template: '/v1/code/execute/python' },
    { method: 'get', path: '/v1/jobs/no-such-job', template: '/v1/jobs/{job_id}' },
    { method: 'post', path: '/v1/jobs/no-such-job/webhook', template: '/v1/jobs/{job_id}/webhook' },
    { method: 'get', path: '/v1/runtime', template: '/v1/runtime' },
  ] as const;

  const send = (method: 'get' | 'post', path: string) => request(t.url)[method](path).set('x-api-key', KEY).set('content-type', 'application/json');
  const documented = (template: string, method: string, status: number) =>
    Object.keys(document.paths[template][method].responses).includes(String(status));

  describe.each(ROUTES)('$method $template', ({ method, path, template }) => {
    it('answers malformed JSON with 400 "Malformed JSON in request body", documented', async () => {
      const res = await send(method, path).send('{bad');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Malformed JSON in request body' });
      expect(documented(template, method, 400)).toBe(true);
    });

    it('answers a body that fails to decompress with 400, not 500', async () => {
      const res = await send(method, path).set('content-encoding', 'gzip').send('not gzip at all');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Unreadable request body' });
    });

    it('answers an unknown content encoding with 415, documented', async () => {
      const res = await send(method, path).set('content-encoding', 'xyz').send('{}');
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ error: 'Unsupported content encoding' });
      expect(documented(template, method, 415)).toBe(true);
    });

    it('documents 413, 500 and 503', () => {
      for (const status of [413, 500, 503]) expect(documented(template, method, status)).toBe(true);
    });
  });

  it('still decodes a well-formed gzip body', async () => {
    // fetch, not supertest: superagent would serialize a Buffer as JSON.
    const res = await fetch(`${t.url}/v1/code/execute/python`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ code: 'return 6 * 7' })),
    });
    expect([res.status, await res.json()]).toEqual([200, expect.objectContaining({ result: 42 })]);
  });

  it('answers an unknown job id with 404, echoing it only when it is of a job id\'s length', async () => {
    const short = await request(t.url).get('/v1/jobs/no-such-job').set('x-api-key', KEY);
    expect(short.status).toBe(404);
    expect(short.body).toEqual({ error: 'Job no-such-job not found' });
    const long = await request(t.url).get(`/v1/jobs/${'x'.repeat(5000)}`).set('x-api-key', KEY);
    expect(long.status).toBe(404);
    expect(long.body).toEqual({ error: 'Job not found' });
  });

  it('answers a job id that is not valid percent-encoding with 400, documented', async () => {
    const res = await request(t.url).get('/v1/jobs/%ff').set('x-api-key', KEY);
    expect(res.status).toBe(400);
    expect(typeof res.body.error).toBe('string');
    expect(documented('/v1/jobs/{job_id}', 'get', 400)).toBe(true);
  });

  it('links executePython 200 and 202 to getJob and redeliverWebhook through job_id', () => {
    const responses = document.paths['/v1/code/execute/python'].post.responses as Record<string, { links?: Record<string, unknown> }>;
    for (const status of ['200', '202']) {
      expect(responses[status].links).toMatchObject({
        getJob: { operationId: 'getJob', parameters: { job_id: '$response.body#/job_id' } },
        redeliverWebhook: { operationId: 'redeliverWebhook', parameters: { job_id: '$response.body#/job_id' } },
      });
    }
  });

  it('documents the rules of an input file path in a pattern schemathesis can generate from', () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, { properties: Record<string, { pattern?: string; minLength?: number }> }> } })
      .components.schemas;
    const path = schemas.InputFile.properties.path;
    expect(path.minLength).toBe(1);
    const pattern = new RegExp(path.pattern!);
    for (const good of ['a', 'data/sales.csv', '.hidden', '..a', '...']) expect(pattern.test(good)).toBe(true);
    for (const bad of ['', '.', '..', '/abs', 'a/', 'a//b', 'a/./b', 'a/../b', 'a\0b']) expect(pattern.test(bad)).toBe(false);
  });
});
