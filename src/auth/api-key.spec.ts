import { createHash } from 'node:crypto';
import { ApiKeysFileError, keyDigest, keyFingerprint, parseApiKeysFile, unionOfKeys, unnamedKeyName } from './api-key';

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

function problemsOf(text: string): string[] {
  try {
    parseApiKeysFile(text);
  } catch (error) {
    if (error instanceof ApiKeysFileError) return error.problems;
    throw error;
  }
  throw new Error('the file parsed');
}

describe('parseApiKeysFile', () => {
  it('reads named and bare keys, plain and sha256:, skipping blank lines and comments', () => {
    const keys = parseApiKeysFile(
      [
        '# pyexec API keys',
        '',
        'ci: plain-secret-1',
        `billing: sha256:${sha256('hashed-secret-2').toUpperCase()}   # rotated in May`,
        '   bare-secret-3   ',
        `sha256:${sha256('bare-hashed-4')}`,
        'with#hash-inside',
        '\t# indented comment',
      ].join('\r\n'),
    );
    expect(keys.map(({ name, digest }) => ({ name, digest: digest.toString('hex') }))).toEqual([
      { name: 'ci', digest: sha256('plain-secret-1') },
      { name: 'billing', digest: sha256('hashed-secret-2') },
      { name: unnamedKeyName(keyDigest('bare-secret-3')), digest: sha256('bare-secret-3') },
      { name: unnamedKeyName(keyDigest('bare-hashed-4')), digest: sha256('bare-hashed-4') },
      { name: unnamedKeyName(keyDigest('with#hash-inside')), digest: sha256('with#hash-inside') },
    ]);
    expect(unnamedKeyName(keyDigest('bare-secret-3'))).toBe(`key-${sha256('bare-secret-3').slice(0, 8)}`);
  });

  it('gives a key the same fingerprint in plain text, as sha256: and in API_KEYS', () => {
    const [plain] = parseApiKeysFile('a: the-key');
    const [hashed] = parseApiKeysFile(`b: sha256:${sha256('the-key')}`);
    const [fromEnv] = unionOfKeys(['the-key'], []);
    expect(keyFingerprint(plain.digest)).toBe(keyFingerprint(keyDigest('the-key')));
    expect(keyFingerprint(hashed.digest)).toBe(keyFingerprint(keyDigest('the-key')));
    expect(keyFingerprint(fromEnv.digest)).toBe(keyFingerprint(keyDigest('the-key')));
  });

  it('lets several keys share a name (a rotation) and merges a key listed twice under one name', () => {
    const keys = parseApiKeysFile('ci: old-key\nci: new-key\nci: new-key\n');
    expect(keys.map((key) => key.name)).toEqual(['ci', 'ci']);
  });

  it('names every bad line, and never echoes a key', () => {
    const problems = problemsOf(
      [
        'ok: fine-key',
        'two words here',
        'bad name!: key-1',
        'ci:missing-space',
        'x: sha256:abc',
        `sha256:${'g'.repeat(64)}`,
        'first: same-key',
        'second: same-key',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'line 2: expected "name: key" or a key alone (keys hold no white space)',
      'line 3: expected "name: key" or a key alone (keys hold no white space)',
      'line 4: a name is followed by a colon and a space ("name: key"); a key alone holds no colon',
      'line 5: a sha256: key must be followed by 64 hex digits (the SHA-256 of the key)',
      'line 6: a sha256: key must be followed by 64 hex digits (the SHA-256 of the key)',
      'line 8: this key is already named "first"',
    ]);
    expect(problems.join('\n')).not.toMatch(/same-key|key-1|missing-space/);
    expect(problemsOf(`${'n'.repeat(65)}: k`)).toEqual([`line 1: the name "${'n'.repeat(65)}" must be 1-64 of A-Z a-z 0-9 _ . -`]);
  });

  it('reads an empty file or one of comments only as no key', () => {
    expect(parseApiKeysFile('')).toEqual([]);
    expect(parseApiKeysFile('# nothing yet\n\n')).toEqual([]);
  });
});

describe('unionOfKeys', () => {
  it('joins API_KEYS and the file; a key in both keeps the name the file gives it', () => {
    const keys = unionOfKeys(['env-only', 'both'], parseApiKeysFile('named: both\nfile-only-key'));
    expect(keys.map((key) => key.name).sort()).toEqual(
      [unnamedKeyName(keyDigest('env-only')), 'named', unnamedKeyName(keyDigest('file-only-key'))].sort(),
    );
  });
});
