import type { Redis } from 'ioredis';

/**
 * Atomic admission, shared by every API process on the Redis: MAX_QUEUE_LENGTH for the queue,
 * MAX_STORED_BYTES_PER_KEY and MAX_JOBS_PER_KEY for each API key, in one script (one round trip).
 * The stored bytes are the sum of the key's live counters (result-storage.ts), KEYS[4..].
 *
 * "Waiting" = jobs in Bull's wait list + admissions whose job is not added yet. An admission
 * is a reservation (sorted set, scored by time); once its job hash exists the job is in the
 * wait list (or already running) and the reservation no longer counts. Reservations of an
 * API process that died before adding its job expire after RESERVATION_TTL_MS.
 *
 * "In flight" for a key = its admitted jobs that have not finished (waiting, running, or being
 * added), kept in a sorted set per key. The script drops a member whose job has finished (its
 * hash has `finishedOn`: completed or failed) or never appeared / is gone (no hash after
 * RESERVATION_TTL_MS), so the count heals itself whatever process died where. The queue is
 * checked first (a full queue answers as a full queue, whatever the key holds), then the key's
 * stored bytes, then its jobs in flight.
 */
const ADMIT_SCRIPT = `
local maxWaiting = tonumber(ARGV[1])
local jobPrefix = ARGV[2]
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local jobId = ARGV[5]
local maxPerKey = tonumber(ARGV[6])
local waiting = redis.call('LLEN', KEYS[1])
if maxWaiting > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
  local pending = 0
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if redis.call('EXISTS', jobPrefix .. id) == 1 then
      redis.call('ZREM', KEYS[2], id)
    else
      pending = pending + 1
    end
  end
  waiting = waiting + pending
  if waiting >= maxWaiting then
    return {0, waiting, 0}
  end
end
local maxStored = tonumber(ARGV[8])
if maxStored > 0 then
  local stored = 0
  for i = 4, #KEYS do
    stored = stored + tonumber(redis.call('GET', KEYS[i]) or '0')
  end
  if stored >= maxStored then
    return {3, waiting, stored}
  end
end
local inFlight = 0
if maxPerKey > 0 then
  local entries = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local id = entries[i]
    local key = jobPrefix .. id
    local gone = redis.call('EXISTS', key) == 0 and tonumber(entries[i + 1]) < now - ttl
    if gone or redis.call('HEXISTS', key, 'finishedOn') == 1 then
      redis.call('ZREM', KEYS[3], id)
    else
      inFlight = inFlight + 1
    end
  end
  if inFlight >= maxPerKey then
    return {2, waiting, inFlight}
  end
  redis.call('ZADD', KEYS[3], now, jobId)
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[7]))
end
if maxWaiting > 0 then
  redis.call('ZADD', KEYS[2], now, jobId)
end
return {1, waiting, inFlight}
`;

const RESERVATION_TTL_MS = 30_000;

export interface AdmissionKeys {
  /** Bull's list of jobs waiting to start. */
  waitList: string;
  /** Prefix of Bull's job hashes: `<prefix><jobId>`. */
  jobKeyPrefix: string;
  reservations: string;
  /** The sorted set of one API key's jobs in flight. */
  keyJobs: string;
  /** The key's live stored-bytes counters (ResultStorage.counterKeys). */
  storedBytesCounters: string[];
}

export interface AdmissionLimits {
  /** MAX_QUEUE_LENGTH (0: no limit). */
  maxWaiting: number;
  /** MAX_JOBS_PER_KEY (0: no limit). */
  maxPerKey: number;
  /** How long a key's set outlives its last admission (no job stays in flight longer). */
  keyJobsTtlMs: number;
  /** MAX_STORED_BYTES_PER_KEY (0: no limit). */
  maxStoredBytes: number;
}

export type AdmissionDecision =
  /** `waiting`: jobs waiting to start, this one not included. */
  | { admitted: true; waiting: number }
  /** `queue`: the queue is full; `storage`: this API key's results hold `storedBytes`, its budget or more; `key`: it has `inFlight` jobs, its limit. */
  | { admitted: false; refusedBy: 'queue'; waiting: number }
  | { admitted: false; refusedBy: 'storage'; storedBytes: number }
  | { admitted: false; refusedBy: 'key'; inFlight: number };

/** The script as a command of the connection: ioredis sends EVALSHA (the script's text only once). */
interface AdmitCommand {
  pyexecAdmit(...args: string[]): Promise<[number, number, number]>;
}

function admitCommand(redis: Redis): AdmitCommand {
  // No fixed number of keys (the counters' count follows JOB_TTL_SECONDS): the call passes it first.
  if (!('pyexecAdmit' in redis)) redis.defineCommand('pyexecAdmit', { lua: ADMIT_SCRIPT });
  return redis as unknown as AdmitCommand;
}

export async function admit(redis: Redis, keys: AdmissionKeys, jobId: string, limits: AdmissionLimits): Promise<AdmissionDecision> {
  const [verdict, waiting, count] = await admitCommand(redis).pyexecAdmit(
    String(3 + keys.storedBytesCounters.length),
    keys.waitList,
    keys.reservations,
    keys.keyJobs,
    ...keys.storedBytesCounters,
    String(limits.maxWaiting),
    keys.jobKeyPrefix,
    String(Date.now()),
    String(RESERVATION_TTL_MS),
    jobId,
    String(limits.maxPerKey),
    String(limits.keyJobsTtlMs),
    String(limits.maxStoredBytes),
  );
  switch (verdict) {
    case 1:
      return { admitted: true, waiting };
    case 2:
      return { admitted: false, refusedBy: 'key', inFlight: count };
    case 3:
      return { admitted: false, refusedBy: 'storage', storedBytes: count };
    default:
      return { admitted: false, refusedBy: 'queue', waiting };
  }
}

export async function releaseReservation(redis: Redis, keys: Pick<AdmissionKeys, 'reservations'>, jobId: string): Promise<void> {
  await redis.zrem(keys.reservations, jobId);
}
