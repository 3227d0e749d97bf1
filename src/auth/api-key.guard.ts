import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { annotateSpan } from '../tracing/spans';
import { ApiKey, API_KEY_HEADER, keyDigest, keyFingerprint } from './api-key';
import { ApiKeyStore } from './api-key-store';

/** A request that passed the guard carries a fingerprint of its key and the key's name (never the key). */
export interface AuthenticatedRequest extends Request {
  apiKeyFingerprint: string;
  apiKeyName: string;
}

/**
 * Checks `x-api-key` against the current keys (API_KEYS and API_KEYS_FILE) in constant time.
 * The fingerprint is the key's own, wherever the key is configured, so a key that stays across a
 * rotation keeps its jobs.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    // Nest injects the module's store; built from the configuration alone, the guard makes its own.
    private readonly store: ApiKeyStore = new ApiKeyStore(config),
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = request.headers[API_KEY_HEADER];
    if (typeof key !== 'string' || key.length === 0) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, { error: `Missing API key (header ${API_KEY_HEADER})` });
    }
    const candidate = keyDigest(key);
    // One read of the set: a reload swaps it whole. Every key is compared, so the time taken does not tell which one matched.
    const matched = this.store.current.reduce<ApiKey | undefined>((found, known) => (timingSafeEqual(known.digest, candidate) ? known : found), undefined);
    if (!matched) throw new ApiError(HttpStatus.UNAUTHORIZED, { error: 'Invalid API key' });
    request.apiKeyFingerprint = keyFingerprint(candidate);
    request.apiKeyName = matched.name;
    annotateSpan({ 'pyexec.api_key.name': matched.name });
    return true;
  }
}
