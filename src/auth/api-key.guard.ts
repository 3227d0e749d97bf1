import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { API_KEY_HEADER, keyDigest, keyFingerprint } from './api-key';

/** A request that passed the guard carries a fingerprint of its key (never the key). */
export interface AuthenticatedRequest extends Request {
  apiKeyFingerprint: string;
}

/** Checks `x-api-key` against the configured keys in constant time. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keyDigests: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keyDigests = config.apiKeys.map(keyDigest);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = request.headers[API_KEY_HEADER];
    if (typeof key !== 'string' || key.length === 0) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, { error: `Missing API key (header ${API_KEY_HEADER})` });
    }
    const candidate = keyDigest(key);
    // Compare against every key so the time taken does not tell which one matched.
    const matched = this.keyDigests.reduce((found, known) => timingSafeEqual(known, candidate) || found, false);
    if (!matched) throw new ApiError(HttpStatus.UNAUTHORIZED, { error: 'Invalid API key' });
    request.apiKeyFingerprint = keyFingerprint(candidate);
    return true;
  }
}
