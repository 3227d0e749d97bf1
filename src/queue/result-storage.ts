import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ExecutionJobData } from '../contract/job';
import { Metrics } from '../metrics/metrics.service';
import { InjectExecutionQueue } from './execution-queue';

/** Counts are kept in buckets of JOB_TTL_SECONDS / BUCKETS_PER_TTL seconds. */
const BUCKETS_PER_TTL = 24;
/** How much longer than its results a count lives beyond its bucket: room for a slow store. */
const MARGIN_SECONDS = 300;
/** The counts of every key together. */
const ALL_KEYS = 'all';

/**
 * The bytes job results take in Redis, per API key and in all, and their retention. A result is
 * counted when its worker stores it, into a counter of the current time bucket (per key, and for
 * all keys) that expires JOB_TTL_SECONDS after its bucket ends (plus MARGIN_SECONDS); the job's hash
 * expires JOB_TTL_SECONDS after the job ended. So the sum of a key's live counters is an upper bound
 * of what its unexpired results hold: a count outlives its result by at most one bucket and the
 * margin. It lives in Redis and heals itself: nothing to release when a process dies.
 */
@Injectable()
export class ResultStorage {
  private readonly bucketSeconds: number;

  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.bucketSeconds = Math.ceil(config.jobTtlSeconds / BUCKETS_PER_TTL);
    metrics.registerStoredBytesGauge(() => this.storedBytes(ALL_KEYS));
  }

  /**
   * Refuses a submission with 429 while the key's results hold MAX_STORED_BYTES_PER_KEY or more.
   * Call within redisCall (a submission's Redis calls answer 503 when Redis does not).
   */
  async checkBudget(data: ExecutionJobData): Promise<void> {
    const budget = this.config.maxStoredBytesPerKey;
    if (budget === 0) return;
    const stored = await this.storedBytes(data.owner);
    if (stored < budget) return;
    this.metrics.countExecution('rejected', data.keyName);
    throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
      error: `Storage budget exceeded: this API key's results hold ${stored} bytes (MAX_STORED_BYTES_PER_KEY ${budget}); they expire JOB_TTL_SECONDS after their jobs ended`,
      stored_bytes: stored,
      max_stored_bytes: budget,
    });
  }

  /** Worker: counts the bytes a job's result (and its webhook delivery's copy) will hold, before they are stored. */
  async count(data: ExecutionJobData, bytes: number): Promise<void> {
    const bucket = Math.floor(Date.now() / 1000 / this.bucketSeconds);
    const expireAt = (bucket + 1) * this.bucketSeconds + this.config.jobTtlSeconds + MARGIN_SECONDS;
    const multi = this.queue.client.multi();
    for (const scope of [data.owner, ALL_KEYS]) {
      const key = this.counterKey(scope, bucket);
      multi.incrby(key, bytes).expireat(key, expireAt);
    }
    await multi.exec();
    this.metrics.countStoredBytes(bytes, data.keyName);
  }

  /** Worker: a finished job's hash (its request and result) expires JOB_TTL_SECONDS from now. */
  async expire(jobId: string): Promise<void> {
    await this.queue.client.pexpire(this.queue.toKey(jobId), this.config.jobTtlSeconds * 1000);
  }

  /** What the live counters of a key (or of all keys) add up to. */
  async storedBytes(scope: string): Promise<number> {
    const last = Math.floor(Date.now() / 1000 / this.bucketSeconds);
    const first = last - Math.ceil((this.config.jobTtlSeconds + MARGIN_SECONDS) / this.bucketSeconds);
    const keys = Array.from({ length: last - first + 1 }, (_, i) => this.counterKey(scope, first + i));
    const counts = await this.queue.client.mget(...keys);
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  private counterKey(scope: string, bucket: number): string {
    return this.queue.toKey(`stored-bytes:${scope}:${bucket}`);
  }
}
