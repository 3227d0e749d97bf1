import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { TIMED_OUT, within } from '../common/deadline';
import { Metrics } from '../metrics/metrics.service';
import { InjectExecutionQueue } from './execution-queue';

/**
 * Whether the Redis keeps what it holds across its restart: `aof` (append-only file), `rdb`
 * (snapshots only: the jobs accepted since the last one are lost), `none`, or `unknown` when
 * CONFIG is refused (renamed or not permitted, as on managed Redis).
 */
export type RedisPersistence = 'aof' | 'rdb' | 'none' | 'unknown';

/** CONFIG GET's reply ([name, value, ...]) as a map. */
function configValues(reply: unknown): Map<string, string> {
  const values = new Map<string, string>();
  if (!Array.isArray(reply)) return values;
  for (let i = 0; i + 1 < reply.length; i += 2) values.set(String(reply[i]), String(reply[i + 1]));
  return values;
}

/** The persistence CONFIG GET appendonly / save describe. */
export function persistenceOf(appendonly: unknown, save: unknown): RedisPersistence {
  const aof = configValues(appendonly).get('appendonly');
  const snapshots = configValues(save).get('save');
  if (aof === undefined || snapshots === undefined) return 'unknown';
  if (aof === 'yes') return 'aof';
  return snapshots.trim() !== '' ? 'rdb' : 'none';
}

/** Redis's memory as INFO reports it; `maxBytes` 0 means no maxmemory. */
export interface RedisMemory {
  usedBytes: number;
  maxBytes: number;
  policy: string;
}

/** The fields of INFO memory that say how full Redis is; null when they are missing. */
export function memoryOf(info: string): RedisMemory | null {
  const fields = new Map(info.split(/\r?\n/).map((line) => line.split(':', 2) as [string, string]));
  const used = Number(fields.get('used_memory'));
  const max = Number(fields.get('maxmemory'));
  const policy = fields.get('maxmemory_policy');
  return Number.isFinite(used) && Number.isFinite(max) && policy !== undefined ? { usedBytes: used, maxBytes: max, policy } : null;
}

/** The queue's side of readiness and metrics. */
@Injectable()
export class QueueHealth {
  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    metrics: Metrics,
  ) {
    metrics.registerQueueGauge(() => this.counts());
  }

  /** Redis round trip, for readiness; throws when Redis does not answer within a second. */
  async ping(): Promise<void> {
    const answer = await within(this.queue.client.ping(), 1000);
    if (answer === TIMED_OUT) throw new Error('Redis did not answer within 1000 ms');
  }

  /** How the Redis persists (readiness reports it); `unknown` when CONFIG is refused or does not answer within a second. */
  async persistence(): Promise<RedisPersistence> {
    try {
      const client = this.queue.client;
      const answer = await within(Promise.all([client.config('GET', 'appendonly'), client.config('GET', 'save')]), 1000);
      return answer === TIMED_OUT ? 'unknown' : persistenceOf(answer[0], answer[1]);
    } catch {
      return 'unknown';
    }
  }

  /** How full Redis is (readiness reports it); null when INFO is refused or does not answer within a second. */
  async memory(): Promise<RedisMemory | null> {
    try {
      const answer = await within(this.queue.client.info('memory'), 1000);
      return answer === TIMED_OUT ? null : memoryOf(answer);
    } catch {
      return null;
    }
  }

  /** Jobs waiting for a worker and running, for the metrics gauge. */
  async counts(): Promise<{ waiting: number; active: number }> {
    const counts = await this.queue.getJobCounts();
    return { waiting: counts.waiting, active: counts.active };
  }
}
