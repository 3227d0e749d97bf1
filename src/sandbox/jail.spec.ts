import { CappedOutput } from './capped-output';
import { parseRecord } from './jail';

describe('parseRecord', () => {
  it('parses the records the harness writes', () => {
    expect(parseRecord('{"kind": "return", "result": [1, null], "files": [["a.txt", "eA=="]]}')).toEqual({
      kind: 'return', result: [1, null], files: [{ path: 'a.txt', content: 'eA==' }],
    });
    expect(parseRecord('{"kind": "exit", "files": [], "files_limit": "output_files"}')).toEqual({ kind: 'exit', files: [], filesLimit: 'output_files' });
    expect(parseRecord('{"kind": "exception", "type": "ValueError", "error": "ValueError: x", "files": []}')).toEqual({
      kind: 'exception', type: 'ValueError', error: 'ValueError: x', files: [],
    });
  });
  it.each([
    '', 'garbage', '{"kind": "return", "files": []}', '{"kind": "return", "result": 1}', '{"kind": "exit", "files": [["a"]]}',
    '{"kind": "exit", "files": [], "files_limit": "other"}', '{"kind": "other", "files": []}', '[1]', 'null',
  ])(
    'treats %p as no record',
    (text) => expect(parseRecord(text)).toBeNull(),
  );
});

describe('CappedOutput', () => {
  it('keeps bytes up to the cap and reports the overflow', () => {
    const out = new CappedOutput(5);
    expect(out.push(Buffer.from('abc'))).toBe(true);
    expect(out.push(Buffer.from('defg'))).toBe(false);
    expect(out.overflowed).toBe(true);
    expect(out.text()).toBe('abcde');
  });
  it('replaces invalid UTF-8 with U+FFFD', () => {
    const out = new CappedOutput(100);
    out.push(Buffer.from([0x61, 0xff, 0x62]));
    expect(out.text()).toBe('a\uFFFDb');
  });
});
