import { jsonDeeperThan } from './json-depth';

const nested = (levels: number) => Buffer.from('['.repeat(levels) + ']'.repeat(levels));

describe('jsonDeeperThan', () => {
  it('counts arrays and objects, and stops at the first level past the bound', () => {
    expect(jsonDeeperThan(nested(64), 64)).toBe(false);
    expect(jsonDeeperThan(nested(65), 64)).toBe(true);
    expect(jsonDeeperThan(Buffer.from('{"a":{"b":[{"c":1}]}}'), 4)).toBe(false);
    expect(jsonDeeperThan(Buffer.from('{"a":{"b":[{"c":1}]}}'), 3)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDeeperThan(Buffer.from(JSON.stringify({ code: '[[[[{{{{' + '\\"[[[[' })), 1)).toBe(false);
    expect(jsonDeeperThan(Buffer.from(JSON.stringify({ code: 'a"b\\' , x: [[1]] })), 2)).toBe(true);
  });

  it('reads a million levels without recursion', () => {
    expect(jsonDeeperThan(nested(1_000_000), 64)).toBe(true);
  });
});
