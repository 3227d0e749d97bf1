import { answerBound, cutToJsonBytes, filesBound, jsonBytes, jsonTextBytes } from './answer-size';

describe('answer sizes in JSON bytes', () => {
  it('measures a string as JSON.stringify writes it', () => {
    for (const text of ['plain', '\x01\x02', 'a"b\\c\n\t', 'é€😀', '\ud800x\udc00', '\x7f\u2028']) {
      expect(jsonTextBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    }
    expect(jsonBytes({ a: [1e20] })).toBe('{"a":[100000000000000000000]}'.length);
  });

  it('cuts a string to the longest prefix whose JSON fits, never inside a surrogate pair', () => {
    const text = 'ab\x01"é😀\ud800\\z';
    for (let cap = 0; cap <= jsonTextBytes(text) + 1; cap++) {
      const cut = cutToJsonBytes(text, cap);
      expect(text.startsWith(cut)).toBe(true);
      expect(jsonTextBytes(cut)).toBeLessThanOrEqual(cap);
      if (cut.length < text.length) {
        const longer = text.slice(0, cut.length + (text.codePointAt(cut.length)! > 0xffff ? 2 : 1));
        expect(jsonTextBytes(longer)).toBeGreaterThan(cap);
      }
      expect(/[\ud800-\udbff]$/.test(cut) && cut.length < text.length && text[cut.length] >= '\udc00').toBe(false);
    }
    expect(cutToJsonBytes('\x01'.repeat(10), 12)).toBe('\x01\x01');
  });

  it('bounds an answer by its caps', () => {
    const caps = { maxOutputBytes: 1024, maxOutputFiles: 2, maxOutputFilesBytes: 100 };
    expect(filesBound(caps)).toBe(136 + 2 * 1024);
    expect(answerBound(caps)).toBe(3 * 1024 + filesBound(caps) + 4096);
  });
});
