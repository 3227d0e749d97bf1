import { allowedMethods } from './method-not-allowed';

const route = (path: string, ...methods: string[]) => ({
  matchers: [(candidate: string) => (new RegExp(`^${path.replace(/:[a-z_]+/g, '[^/]+')}$`).test(candidate) ? {} : false)],
  route: { methods: Object.fromEntries(methods.map((method) => [method, true])) },
});

describe('allowedMethods', () => {
  const stack = [
    { matchers: [() => ({})] }, // a middleware: no route
    route('/v1/code/execute/python', 'post'),
    route('/v1/jobs/:job_id', 'get'),
  ];

  it('lists the methods of the routes matching the path, HEAD with GET', () => {
    expect(allowedMethods(stack, '/v1/code/execute/python')).toEqual(['POST']);
    expect(allowedMethods(stack, '/v1/jobs/abc')).toEqual(['GET', 'HEAD']);
  });

  it('knows nothing of an unknown path', () => {
    expect(allowedMethods(stack, '/v1/nothing')).toEqual([]);
  });

  it('skips a route answering every method (a middleware Nest mounts on /{*path})', () => {
    const everything = route('/v1/code/execute/python', ...require('node:http').METHODS.map((m: string) => m.toLowerCase()));
    expect(allowedMethods([everything, ...stack], '/v1/code/execute/python')).toEqual(['POST']);
  });

  it('skips a path its matcher cannot decode', () => {
    const throwing = { matchers: [() => { throw new URIError('bad'); }], route: { methods: { get: true } } };
    expect(allowedMethods([throwing], '/%E0')).toEqual([]);
  });
});
