import Redis from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { waitUntil } from './wait';

/** Resolves once a Redis on this port answers PING. */
export async function redisAnswers(port: number, timeoutMs = 10_000): Promise<void> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    await waitUntil(async () => {
      if (redis.status !== 'ready') await redis.connect().catch(() => redis.disconnect());
      return (await redis.ping()) === 'PONG' ? true : undefined;
    }, timeoutMs, `redis-server on :${port}`);
  } finally {
    redis.disconnect();
  }
}

/**
 * A spec's own redis-server on a free loopback port: append-only, fsync every second, in its own
 * directory, with the spec's extra options (`--maxmemory`, ...); restartable on the same port and directory.
 */
export class OwnRedis {
  child?: ChildProcess;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'pyexec-own-redis-'));
  constructor(
    readonly port: number,
    private readonly options: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--logfile', path.join(this.dir, 'redis.log'), ...this.options],
      { stdio: 'ignore' },
    );
    await redisAnswers(this.port);
  }

  /** SIGTERM (Redis flushes its append-only file and exits), awaited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
