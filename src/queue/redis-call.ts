import { HttpStatus } from '@nestjs/common';
import type { Queue } from 'bull';
import { ApiError } from '../common/api-error';
import { TIMED_OUT, within } from '../common/deadline';

/** How long a call to Redis may take before the service answers 503. */
const REDIS_CALL_TIMEOUT_MS = 5000;

function queueUnavailable(reason: string): ApiError {
  return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { error: 'Queue unavailable: Redis is not reachable' }, reason);
}

/** Redis's refusal of a write once it holds maxmemory (policy noeviction: it never drops a key instead). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && /\bOOM command not allowed\b/.test(error.message);
}

function outOfMemory(reason: string): ApiError {
  return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { error: 'Queue unavailable: Redis is full (maxmemory reached); try again later' }, reason);
}

/** Runs a Redis call for a request: 503 at once while Redis is unreachable, when it does not answer in time, or when it is full. */
export async function redisCall<T>(queue: Queue, call: () => Promise<T>): Promise<T> {
  if (queue.client.status !== 'ready') throw queueUnavailable(`Redis connection is ${queue.client.status}`);
  try {
    const answer = await within(call(), REDIS_CALL_TIMEOUT_MS);
    if (answer === TIMED_OUT) throw new Error(`Redis did not answer within ${REDIS_CALL_TIMEOUT_MS} ms`);
    return answer;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (isOutOfMemory(error)) throw outOfMemory(`Redis refused a write: ${(error as Error).message}`);
    throw queueUnavailable(`Redis call failed: ${(error as Error).message}`);
  }
}
