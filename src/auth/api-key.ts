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
