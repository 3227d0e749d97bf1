/** The longest pause between two attempts to reach Redis again. */
export const REDIS_RETRY_MAX_MS = 1000;

/**
 * The Redis options of every Bull queue (Bull passes `redis` to ioredis for each of its
 * connections). Bull's own retry strategy backs off to 20 s, so a process could stay
 * disconnected (readiness 503, no jobs taken) for up to 20 s after Redis came back; this one
 * tries again after 100 ms, 200 ms, ... and then every second, so every process is back
 * within about a second of Redis. A command sent while Redis is away fails after 20 reconnect
 * attempts (about 20 s); Bull's blocking and subscriber connections wait for it indefinitely.
 */
export const REDIS_RECONNECT = {
  retryStrategy: (times: number): number => Math.min(times * 100, REDIS_RETRY_MAX_MS),
  maxRetriesPerRequest: 20,
};
