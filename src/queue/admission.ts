import type { Redis } from 'ioredis';

/**
 * Atomic admission against MAX_QUEUE_LENGTH, shared by every API process on the Redis.
 *
 * "Waiting" = jobs in Bull's wait list + admissions whose job is not added yet. An admission
 * is a reservation (sorted set, scored by time); once its job hash exists the job is in the
 * wait list (or already running) and the reservation no longer counts. Reservations of an
 * API process that died before adding its job expire after RESERVATION_TTL_MS.
 */
const ADMIT_SCRIPT = `
local max = tonumber(ARGV[1])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
local pending = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[2] .. id) == 1 then
    redis.call('ZREM', KEYS[2], id)
  else
    pending = pending + 1
  end
end
local waiting = redis.call('LLEN', KEYS[1]) + pending
if waiting >= max then
  return {0, waiting}
end
redis.call('ZADD', KEYS[2], now, ARGV[5])
return {1, waiting}
`;

const RESERVATION_TTL_MS = 30_000;

export interface AdmissionKeys {
  /** Bull's list of jobs waiting to start. */
  waitList: string;
  /** Prefix of Bull's job hashes: `<prefix><jobId>`. */
  jobKeyPrefix: string;
  reservations: string;
}

export interface AdmissionDecision {
  admitted: boolean;
  /** Jobs waiting to start, this one not included. */
  waiting: number;
}

export async function admit(redis: Redis, keys: AdmissionKeys, jobId: string, max: number): Promise<AdmissionDecision> {
  const [admitted, waiting] = (await redis.eval(
    ADMIT_SCRIPT,
    2,
    keys.waitList,
    keys.reservations,
    String(max),
    keys.jobKeyPrefix,
    String(Date.now()),
    String(RESERVATION_TTL_MS),
    jobId,
  )) as [number, number];
  return { admitted: admitted === 1, waiting };
}

export async function releaseReservation(redis: Redis, keys: AdmissionKeys, jobId: string): Promise<void> {
  await redis.zrem(keys.reservations, jobId);
}
