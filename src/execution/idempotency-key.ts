import { HttpStatus } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotent-Replayed';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The header's value, or undefined without one; 400 unless it is 1 to 255 printable ASCII characters. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE_ASCII.test(value)) {
    throw new ApiError(HttpStatus.BAD_REQUEST, {
      error: `Invalid ${IDEMPOTENCY_KEY_HEADER} header: it must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
    });
  }
  return value;
}

/** JSON with object keys sorted at every level: two requests that differ only in key order hash alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** SHA-256 of the request's canonical JSON: what tells a repeat from a different request under one key. */
export function requestHash(request: object): string {
  return createHash('sha256').update(JSON.stringify(canonical(JSON.parse(JSON.stringify(request))))).digest('hex');
}
