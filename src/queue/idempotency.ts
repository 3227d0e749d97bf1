import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { InjectExecutionQueue } from './execution-queue';
import { redisCall } from './redis-call';

/** What an Idempotency-Key points to: the job of its first request, and the hash of that request. */
export interface IdempotencyRecord {
  jobId: string;
  requestHash: string;
  /** When the key was claimed (ms), to tell a submission in progress from one that never added its job. */
  claimedAt: number;
}

export type Claim = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/** Sets the record unless one exists; answers the existing one (JSON) or nil. Atomic across API processes. */
const CLAIM_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`;

/** Deletes the record only if it still names this job. */
const RELEASE_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing and cjson.decode(existing).jobId == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Idempotency-Key records, in Redis under the queue's prefix: one per (API key's fingerprint, key),
 * kept JOB_TTL_SECONDS. The key itself is stored only as a SHA-256.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private redisKey(owner: string, key: string): string {
    return this.queue.toKey(`idempotency:${owner}:${createHash('sha256').update(key).digest('hex')}`);
  }

  /** Claims the key for a job about to be queued, or answers the record of the request that claimed it first. */
  async claim(owner: string, key: string, record: IdempotencyRecord): Promise<Claim> {
    const existing = (await redisCall(this.queue, () =>
      this.queue.client.eval(CLAIM_SCRIPT, 1, this.redisKey(owner, key), JSON.stringify(record), String(this.config.jobTtlSeconds)),
    )) as string | null;
    return existing ? { claimed: false, record: JSON.parse(existing) as IdempotencyRecord } : { claimed: true };
  }

  /** Frees the key when its job was never queued (429, 503) or was withdrawn, so that a retry runs. */
  async release(owner: string, key: string, jobId: string): Promise<void> {
    await redisCall(this.queue, () => this.queue.client.eval(RELEASE_SCRIPT, 1, this.redisKey(owner, key), jobId));
  }
}
