import { parseIdempotencyKey, requestHash } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it('accepts 1 to 255 printable ASCII characters, and no header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('order-42 retry #1 ~')).toBe('order-42 retry #1 ~');
    expect(parseIdempotencyKey('k'.repeat(255))).toBe('k'.repeat(255));
  });

  it.each([['empty', ''], ['256 characters', 'k'.repeat(256)], ['a tab', 'a\tb'], ['non-ASCII', 'clé'], ['DEL', 'a\x7f']])(
    'refuses %s with 400',
    (_name, value) => {
      expect(() => parseIdempotencyKey(value)).toThrow(expect.objectContaining({ body: { error: expect.stringMatching(/^Invalid Idempotency-Key header/) } }));
    },
  );
});

describe('requestHash', () => {
  it('ignores key order and absent fields, not values', () => {
    const a = requestHash({ code: 'x', limits: { memory_mb: 64, cpus: 1 }, env: [{ name: 'A', value: '1' }] });
    const b = requestHash({ env: [{ value: '1', name: 'A' }], limits: { cpus: 1, memory_mb: 64 }, code: 'x', id: undefined });
    expect(a).toBe(b);
    expect(requestHash({ code: 'x', timeout: 5 })).not.toBe(requestHash({ code: 'x', timeout: 6 }));
    expect(requestHash({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] })).not.toBe(requestHash({ env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }));
  });
});
