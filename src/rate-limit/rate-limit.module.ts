import { ExecutionContext, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { API_KEY_HEADER, keyDigest } from '../auth/api-key';
import { ApiError } from '../common/api-error';

/** Counts requests per API key (a digest of it), or per client address when none is sent. */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected async getTracker(request: Request): Promise<string> {
    const key = request.headers[API_KEY_HEADER];
    return typeof key === 'string' && key !== '' ? `key:${keyDigest(key).toString('hex')}` : `ip:${request.ip}`;
  }

  protected async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !context.switchToHttp().getRequest<Request>().path.startsWith('/v1/');
  }

  protected async throwThrottlingException(): Promise<void> {
    throw new ApiError(429, { error: 'Rate limit exceeded: too many requests for this API key' });
  }
}

/** RATE_LIMIT_PER_MINUTE requests per key on /v1 routes (0 = off); 429 with Retry-After. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // Named 'default' so the header is a plain Retry-After.
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute || Number.MAX_SAFE_INTEGER }],
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyThrottlerGuard }],
})
export class RateLimitModule {}
