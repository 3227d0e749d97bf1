import { CappedOutput } from './capped-output';
import { parseRecord } from './jail';

describe('parseRecord', () => {
  it('parses the records the harness writes', () => {
    expect(parseRecord('{"kind": "return", "result_json": "[1, null]"}')).toEqual({ kind: 'return', result: [1, null] });
    expect(parseRecord('{"kind": "exit"}')).toEqual({ kind: 'exit' });
    expect(parseRecord('{"kind": "exception", "type": "ValueError", "error": "ValueError: x"}')).toEqual({
      kind: 'exception', type: 'ValueError', error: 'ValueError: x',
    });
  });
  it.each(['', 'garbage', '{"kind": "return"}', '{"kind": "return", "result_json": "{bad"}', '{"kind": "other"}', '[1]', 'null'])(
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
