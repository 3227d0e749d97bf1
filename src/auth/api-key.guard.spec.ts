import type { ExecutionContext } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { ApiKeyGuard, AuthenticatedRequest } from './api-key.guard';
import { API_KEY_HEADER, keyDigest, keyFingerprint } from './api-key';

const KEYS = ['first-key-0123456789', 'second', 'third-key-with-a-much-longer-value-than-the-others'];

function contextFor(headers: Record<string, string | string[] | undefined>): { context: ExecutionContext; request: Partial<AuthenticatedRequest> } {
  const request = { headers } as unknown as Partial<AuthenticatedRequest>;
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { context, request };
}

function refusal(guard: ApiKeyGuard, headers: Record<string, string | string[] | undefined>): ApiError {
  try {
    guard.canActivate(contextFor(headers).context);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('the guard let the request pass');
}

describe('ApiKeyGuard', () => {
  const guard = new ApiKeyGuard({ apiKeys: KEYS } as AppConfig);

  it('answers 401 naming the header when there is no key, or an empty one', () => {
    for (const headers of [{}, { [API_KEY_HEADER]: '' }, { [API_KEY_HEADER]: ['a', 'b'] }]) {
      const error = refusal(guard, headers);
      expect(error).toBeInstanceOf(ApiError);
      expect(error.getStatus()).toBe(401);
      expect(error.body).toEqual({ error: `Missing API key (header ${API_KEY_HEADER})` });
    }
  });

  it('answers 401 "Invalid API key" to a wrong key', () => {
    const error = refusal(guard, { [API_KEY_HEADER]: 'first-key-0123456788' });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.getStatus()).toBe(401);
    expect(error.body).toEqual({ error: 'Invalid API key' });
  });

  it('refuses a key of another length (shorter, longer, a prefix) with 401, never a comparison error', () => {
    for (const key of ['f', 'first-key', 'first-key-0123456789-and-more', 'x'.repeat(10_000), 'ключ']) {
      const error = refusal(guard, { [API_KEY_HEADER]: key });
      expect(error).toBeInstanceOf(ApiError);
      expect(error.getStatus()).toBe(401);
    }
  });

  it('lets every configured key pass and marks the request with its fingerprint, never the key', () => {
    for (const key of KEYS) {
      const { context, request } = contextFor({ [API_KEY_HEADER]: key });
      expect(guard.canActivate(context)).toBe(true);
      expect(request.apiKeyFingerprint).toBe(keyFingerprint(keyDigest(key)));
      expect(request.apiKeyFingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(request.apiKeyFingerprint).not.toContain(key);
    }
  });

  it('gives each key its own fingerprint', () => {
    const fingerprints = KEYS.map((key) => {
      const { context, request } = contextFor({ [API_KEY_HEADER]: key });
      guard.canActivate(context);
      return request.apiKeyFingerprint;
    });
    expect(new Set(fingerprints).size).toBe(KEYS.length);
  });

  it('sets no fingerprint on a refused request', () => {
    const { context, request } = contextFor({ [API_KEY_HEADER]: 'wrong' });
    expect(() => guard.canActivate(context)).toThrow(ApiError);
    expect(request.apiKeyFingerprint).toBeUndefined();
  });
});
