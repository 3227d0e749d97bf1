import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { SEED_REQUEST, HELLO_REQUEST } from '../src/openapi/examples';
import { startTestApp, TestApp } from './support/test-app';

const COMMITTED = join(__dirname, '..', 'openapi.json');

/** The OpenAPI document the live app serves, the committed openapi.json, and Swagger UI's page. */
describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let served: any;
  beforeAll(async () => {
    t = await startTestApp('openapi');
    const res = await request(t.url).get('/docs-json');
    expect(res.status).toBe(200);
    served = res.body;
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves at /docs-json exactly the committed openapi.json (else run `npm run openapi` and commit it)', () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(served).toEqual(committed);
  });

  it('describes every route with its operationId, tag, security and every status of the contract', () => {
    const execute = served.paths['/v1/code/execute/python'].post;
    expect(execute.operationId).toBe('executePython');
    expect(execute.tags).toEqual(['execution']);
    expect(execute.security).toEqual([{ api_key: [] }]);
    expect(Object.keys(execute.responses).sort()).toEqual(['200', '202', '400', '401', '408', '413', '415', '422', '429', '500', '503']);
    expect(execute.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]);
    const getJob = served.paths['/v1/jobs/{job_id}'].get;
    expect(getJob.operationId).toBe('getJob');
    expect(getJob.tags).toEqual(['jobs']);
    expect(getJob.security).toEqual([{ api_key: [] }]);
    expect(Object.keys(getJob.responses)).toEqual(expect.arrayContaining(['200', '401', '404']));
    const redeliver = served.paths['/v1/jobs/{job_id}/webhook'].post;
    expect(redeliver.operationId).toBe('redeliverWebhook');
    expect(redeliver.tags).toEqual(['jobs']);
    expect(Object.keys(redeliver.responses).sort()).toEqual(['202', '400', '401', '404', '409', '413', '415', '429', '500', '503']);
    expect(served.components.securitySchemes.api_key).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    for (const [path, operations] of Object.entries<Record<string, any>>(served.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const operation of Object.values(operations)) expect([path, operation.security]).toEqual([path, [{ api_key: [] }]]);
    }
    for (const [path, operations] of Object.entries<Record<string, any>>(served.paths)) {
      for (const operation of Object.values(operations)) {
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          expect([path, status, response.content?.['application/json']?.schema]).toEqual([path, status, expect.anything()]);
        }
      }
    }
  });

  it("pre-fills the seed's example answered at once, and offers the seed's full example", () => {
    const examples = served.paths['/v1/code/execute/python'].post.requestBody.content['application/json'].examples;
    const [first] = Object.values<any>(examples);
    expect(first.value).toEqual(HELLO_REQUEST);
    expect(Object.values<any>(examples).map((example) => example.value)).toContainEqual(SEED_REQUEST);
  });

  it('types the fields the SDKs depend on', () => {
    const { schemas } = served.components;
    expect(schemas.ExecuteResult.properties.result).not.toHaveProperty('type'); // any JSON value
    expect(schemas.ExecuteAccepted.properties.max_queue_length).toMatchObject({ type: 'integer', nullable: true });
    expect(schemas.JobStatus.properties.id).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.JobStatus.required).toContain('id');
    expect(schemas.ExecuteRequest.properties.timeout).toMatchObject({ type: 'integer', minimum: 1, maximum: 300, default: 30 });
    expect(schemas.ExecuteRequest.additionalProperties).toBe(false);
  });

  it('serves Swagger UI and its assets from the service itself, with no outside URL, without a key', async () => {
    const page = await request(t.url).get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui-bundle.js');
    // Only SVG namespace identifiers may name another host; nothing is loaded from one.
    const outside = (page.text.match(/(?:src|href)\s*=\s*["']?[a-z]+:\/\/[^"' >]+/gi) ?? []);
    expect(outside).toEqual([]);
    const assets = [...page.text.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      const res = await request(t.url).get(new URL(asset, `${t.url}/docs`).pathname);
      expect([asset, res.status]).toEqual([asset, 200]);
    }
    const init = await request(t.url).get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toMatch(/"persistAuthorization": true/);
    expect(init.text).toMatch(/"validatorUrl": null/); // no badge fetched from an outside validator
  });
});
