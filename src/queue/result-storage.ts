import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import type { ChainableCommander } from 'ioredis';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ExecutionJobData, JobResult } from '../contract/job';
import { Metrics } from '../metrics/metrics.service';
import { InjectExecutionQueue } from './execution-queue';

/** Counts are kept in buckets of JOB_TTL_SECONDS / BUCKETS_PER_TTL seconds. */
const BUCKETS_PER_TTL = 24;
/** How much longer than its results a count lives beyond its bucket: room for a slow store. */
const MARGIN_SECONDS = 300;
/** The counts of every key together. */
const ALL_KEYS = 'all';
/** A result outlives its job's hash (which expires JOB_TTL_SECONDS after the job ended) by this much: it is written just before. */
const RESULT_MARGIN_MS = 60_000;

/**
 * Bull's return value of an execution job: the answer itself is stored once, in its own key
 * (ResultStorage), so what Bull keeps in the job's hash and publishes to every process that
 * listens for completions stays this small.
 */
export interface StoredResultRef {
  status: number;
  kind: JobResult['kind'];
  /** JSON bytes of the stored result. */
  bytes: number;
}

/**
 * Where job results are kept, the bytes they take in Redis, per API key and in all, and their
 * retention. A job's result is one string key, `<job key>:result`, written once by the worker
 * (compact JSON) and expiring with the job's hash; Bull's return value only points at it. A
 * result is counted when its worker stores it, into a counter of the current time bucket (per key, and for
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
   * The 429 of a submission refused because the key's results hold MAX_STORED_BYTES_PER_KEY or
   * more (the admission script checks it, from counterKeys).
   */
  budgetExceeded(stored: number): ApiError {
    const budget = this.config.maxStoredBytesPerKey;
    return new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
      error: `Storage budget exceeded: this API key's results hold ${stored} bytes (MAX_STORED_BYTES_PER_KEY ${budget}); they expire JOB_TTL_SECONDS after their jobs ended`,
      stored_bytes: stored,
      max_stored_bytes: budget,
    });
  }

  /**
   * Worker: stores a job's result, before Bull records the job as completed, and counts its bytes
   * against the job's key. Throws when Redis refuses it: the job then fails rather than completing
   * without its answer.
   */
  async save(jobId: string, data: ExecutionJobData, result: JobResult): Promise<StoredResultRef> {
    const json = JSON.stringify(result);
    const bytes = Buffer.byteLength(json);
    const multi = this.queue.client.multi().set(this.resultKey(jobId), json, 'PX', this.config.jobTtlSeconds * 1000 + RESULT_MARGIN_MS);
    await this.exec(this.counted(multi, data, bytes));
    this.metrics.countStoredBytes(bytes, data.keyName);
    return { status: result.status, kind: result.kind, bytes };
  }

  /** Worker: counts the bytes of another copy of a result kept as long (a webhook delivery's). */
  async countCopy(data: ExecutionJobData, bytes: number): Promise<void> {
    await this.exec(this.counted(this.queue.client.multi(), data, bytes));
    this.metrics.countStoredBytes(bytes, data.keyName);
  }

  private counted(multi: ChainableCommander, data: ExecutionJobData, bytes: number): ChainableCommander {
    const bucket = Math.floor(Date.now() / 1000 / this.bucketSeconds);
    const expireAt = (bucket + 1) * this.bucketSeconds + this.config.jobTtlSeconds + MARGIN_SECONDS;
    for (const scope of [data.owner, ALL_KEYS]) {
      const key = this.counterKey(scope, bucket);
      multi.incrby(key, bytes).expireat(key, expireAt);
    }
    return multi;
  }

  private async exec(multi: ChainableCommander): Promise<void> {
    for (const [error] of (await multi.exec()) ?? []) if (error) throw error;
  }

  /**
   * A completed job's result, given Bull's return value of the job; null when there is none
   * (expired, or lost). Jobs completed by a worker of an earlier version hold the result itself as
   * their return value (until JOB_TTL_SECONDS after an upgrade).
   */
  async resultOf(jobId: string, returnValue: unknown): Promise<JobResult | null> {
    const json = await this.queue.client.get(this.resultKey(jobId));
    if (json !== null) return JSON.parse(json) as JobResult;
    return typeof returnValue === 'object' && returnValue !== null && 'body' in returnValue ? (returnValue as JobResult) : null;
  }

  /** Worker: a finished job's hash (its request and result) expires JOB_TTL_SECONDS from now. */
  async expire(jobId: string): Promise<void> {
    await this.queue.client.pexpire(this.queue.toKey(jobId), this.config.jobTtlSeconds * 1000);
  }

  /** What the live counters of a key (or of all keys) add up to. */
  async storedBytes(scope: string): Promise<number> {
    const counts = await this.queue.client.mget(...this.counterKeys(scope));
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  /** The live counters of a key (its owner fingerprint) or of all keys (`all`). */
  counterKeys(scope: string): string[] {
    const last = Math.floor(Date.now() / 1000 / this.bucketSeconds);
    const first = last - Math.ceil((this.config.jobTtlSeconds + MARGIN_SECONDS) / this.bucketSeconds);
    return Array.from({ length: last - first + 1 }, (_, i) => this.counterKey(scope, first + i));
  }

  private resultKey(jobId: string): string {
    return `${this.queue.toKey(jobId)}:result`;
  }

  private counterKey(scope: string, bucket: number): string {
    return this.queue.toKey(`stored-bytes:${scope}:${bucket}`);
  }
}
