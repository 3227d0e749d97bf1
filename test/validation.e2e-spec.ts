import request from 'supertest';
import { OTHER_KEY, startTestApp, TestApp } from './support/test-app';

/** Bad input gets 400/401/413 in the documented `{error, details?}` shape, never a crash. */
describe('request validation and authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('validation');
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['missing code', { timeout: 5 }, /code must be a string/],
    ['empty code', { code: '' }, /code should not be empty/],
    ['non-string code', { code: 42 }, /code must be a string/],
    ['timeout 0', { code: 'pass', timeout: 0 }, /timeout must not be less than 1/],
    ['timeout 301', { code: 'pass', timeout: 301 }, /timeout must not be greater than 300/],
    ['timeout 1.5', { code: 'pass', timeout: 1.5 }, /timeout must be an integer/],
    ['timeout "abc"', { code: 'pass', timeout: 'abc' }, /timeout must be an integer/],
    ['an unknown field', { code: 'pass', language: 'ruby' }, /property language should not exist/],
    ['a relative webhook URL', { code: 'pass', webhook_url: '/hook' }, /webhook_url must be an absolute http or https URL/],
    ['an ftp webhook URL', { code: 'pass', webhook_url: 'ftp://example.com/x' }, /webhook_url must be an absolute http or https URL/],
    ['an id of 257 chars', { code: 'pass', id: 'x'.repeat(257) }, /id must be shorter than or equal to 256 characters/],
    ['a bad env name', { code: 'pass', env: [{ name: '1BAD', value: 'x' }] }, /env name must match/],
    ['a non-string env value', { code: 'pass', env: [{ name: 'A', value: 1 }] }, /value must be a string/],
    ['an env value with a lone surrogate', { code: 'pass', env: [{ name: 'A', value: 'a\ud800b' }] }, /must not contain lone surrogate/],
    ['an env value with NUL', { code: 'pass', env: [{ name: 'A', value: 'a\u0000b' }] }, /must not contain NUL/],
    ['65 env vars', { code: 'pass', env: Array.from({ length: 65 }, (_, i) => ({ name: `V${i}`, value: '' })) }, /env must contain no more than 64 elements/],
    ['an unknown env field', { code: 'pass', env: [{ name: 'A', value: 'x', secret: true }] }, /property secret should not exist/],
    ['non-string stdin', { code: 'pass', stdin: ['a'] }, /stdin must be a string/],
    ['code over 1 MiB', { code: 'x'.repeat(1024 * 1024 + 1) }, /code must be at most 1048576 bytes/],
  ])('rejects %s with 400', async (_name, body, message) => {
    const res = await t.execute(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await request(t.url)
      .post('/v1/code/execute/python')
      .set('x-api-key', 'test-key-primary')
      .set('content-type', 'application/json')
      .send('{"code": "print(1)"');
    expect(res.status).toBe(400);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(/JSON/);
  });

  it('rejects a JSON array body with 400', async () => {
    const res = await t.execute([{ code: 'print(1)' }]);
    expect(res.status).toBe(400);
    expect(typeof res.body.error).toBe('string');
  });

  it('rejects a body over the size limit with 413', async () => {
    const res = await t.execute({ code: 'x'.repeat(20 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'Request body too large' });
  });

  it('answers 401 without a key and with a wrong key', async () => {
    const missing = await request(t.url).post('/v1/code/execute/python').send({ code: 'print(1)' });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/Missing API key/);
    const wrong = await t.execute({ code: 'print(1)' }, 'not-a-key');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Invalid API key' });
  });

  it('accepts every configured key', async () => {
    const res = await t.execute({ code: 'return 1' }, OTHER_KEY);
    expect(res.status).toBe(200);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await request(t.url).get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(typeof res.body.error).toBe('string');
  });
});
