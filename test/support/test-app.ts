import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/app-config';

export const KEY = 'test-key-primary';
export const OTHER_KEY = 'test-key-secondary';

export interface TestApp {
  app: INestApplication;
  url: string;
  prefix: string;
  /** POST /v1/code/execute/python with the primary key. */
  execute(body: unknown, key?: string): request.Test;
  /** Stops the app and deletes its keys, unless another app will take over the same prefix. */
  close(keepKeys?: boolean): Promise<void>;
}

/** Deletes every Redis key under a test's own prefix, and nothing else. */
export async function cleanPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function uniquePrefix(name: string): string {
  return `pyexec-test-${name}-${randomBytes(4).toString('hex')}`;
}

/** The real application (real Redis, real nsjail) on a random port, with its own key prefix. */
export async function startTestApp(name: string, env: Record<string, string> = {}): Promise<TestApp> {
  const prefix = env.QUEUE_PREFIX ?? uniquePrefix(name);
  const config = loadConfig({
    ...process.env,
    API_KEYS: `${KEY},${OTHER_KEY}`,
    QUEUE_PREFIX: prefix,
    SANDBOX_CGROUP_PARENT: prefix,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error', 'warn'] });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    url,
    prefix,
    execute: (body, key = KEY) =>
      request(url).post('/v1/code/execute/python').set('x-api-key', key).send(body as object),
    close: async (keepKeys = false) => {
      await app.close();
      if (!keepKeys) await cleanPrefix(config.redisUrl, prefix);
    },
  };
}
