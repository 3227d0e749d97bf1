import { createHash } from 'node:crypto';

export const API_KEY_HEADER = 'x-api-key';

/** The one digest of an API key: what the guard compares and the rate limiter counts by. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Who submitted a job, kept with it and in logs: a prefix of the key's digest, never the key. */
export function keyFingerprint(digest: Buffer): string {
  return digest.toString('hex').slice(0, 32);
}

/** A key the guard accepts: its digest and the name logs, metrics and traces use for it. */
export interface ApiKey {
  name: string;
  digest: Buffer;
}

/** A name of a key: a label value of the executions counter, so short and plain. */
export const KEY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The name of a key given without one (API_KEYS, a bare line of the file): from its digest, never the key. */
export function unnamedKeyName(digest: Buffer): string {
  return `key-${digest.toString('hex').slice(0, 8)}`;
}

export class ApiKeysFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * Parses an API keys file. One key a line: `name: key`, or the key alone; the key either in
 * plain text or as `sha256:<64 hex digits>` (the SHA-256 of the key, so that the secret need not
 * sit on disk). Keys hold no white space; names are 1–64 of `A-Z a-z 0-9 _ . -`. Blank lines and
 * `#` comments (a line of its own, or after white space at the end of a line) are ignored.
 * Several keys may share a name (a client's old and new key during a rotation); one key may not
 * have two names. A key alone holds no colon (`ci:abc` is a mistake for `ci: abc`). Throws ApiKeysFileError naming every bad line.
 */
export function parseApiKeysFile(text: string): ApiKey[] {
  const problems: string[] = [];
  const byDigest = new Map<string, ApiKey>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const where = `line ${index + 1}`;
    const named = /^([^\s:]+):\s+(\S+)$/.exec(line);
    if (!named && /\s/.test(line)) {
      problems.push(`${where}: expected "name: key" or a key alone (keys hold no white space)`);
      return;
    }
    const [name, secret] = named ? [named[1], named[2]] : [undefined, line];
    if (!named && line.includes(':') && !line.startsWith('sha256:')) {
      problems.push(`${where}: a name is followed by a colon and a space ("name: key"); a key alone holds no colon`);
      return;
    }
    if (name !== undefined && !KEY_NAME.test(name)) {
      problems.push(`${where}: the name "${name}" must be 1-64 of A-Z a-z 0-9 _ . -`);
      return;
    }
    let digest: Buffer;
    if (secret.startsWith('sha256:')) {
      const hex = secret.slice('sha256:'.length);
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
        problems.push(`${where}: a sha256: key must be followed by 64 hex digits (the SHA-256 of the key)`);
        return;
      }
      digest = Buffer.from(hex, 'hex');
    } else {
      digest = keyDigest(secret);
    }
    const key = { name: name ?? unnamedKeyName(digest), digest };
    const same = byDigest.get(digest.toString('hex'));
    if (same && same.name !== key.name) {
      problems.push(`${where}: this key is already named "${same.name}"`);
      return;
    }
    byDigest.set(digest.toString('hex'), key);
  });
  if (problems.length > 0) throw new ApiKeysFileError(problems);
  return [...byDigest.values()];
}

/** The keys of API_KEYS and of the file together; a key in both keeps the file's name. */
export function unionOfKeys(plain: string[], fromFile: ApiKey[]): ApiKey[] {
  const byDigest = new Map<string, ApiKey>();
  for (const key of plain) {
    const digest = keyDigest(key);
    byDigest.set(digest.toString('hex'), { name: unnamedKeyName(digest), digest });
  }
  for (const key of fromFile) byDigest.set(key.digest.toString('hex'), key);
  return [...byDigest.values()];
}
