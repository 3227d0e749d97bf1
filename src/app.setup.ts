import { ArgumentMetadata, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AllExceptionsFilter, isBodyParserError, JsonTooDeepError, sendError } from './common/all-exceptions.filter';
import { ApiError } from './common/api-error';
import { JSON_TOO_DEEP, jsonDeeperThan, MAX_JSON_DEPTH } from './common/json-depth';
import { methodNotAllowed } from './common/method-not-allowed';
import { NOT_NULL } from './common/optional';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi/openapi';
import { httpServerSpans } from './tracing/http-spans';
import { inSpan, tracingEnabled } from './tracing/spans';

/** Room for 1 MiB of code, 1 MiB of stdin and the env list, JSON-escaped... */
const BASE_BODY_BYTES = 4 * 1024 * 1024;

/** ...plus the input files in base64 (4 bytes for 3) with their paths. */
export function maxBodyBytes(config: AppConfig): number {
  return BASE_BODY_BYTES + Math.ceil(config.maxInputFilesBytes / 3) * 4 + 64 * 1024;
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const property = parent ? `${parent}.${error.property}` : error.property;
    // A null where a value is required says only that, with the field's full path.
    if (error.constraints?.[NOT_NULL]) return [`${property} must not be null`];
    const own = Object.values(error.constraints ?? {});
    return [...own, ...flatten(error.children ?? [], property)];
  });
}

/** body-parser's `verify` hook: 400 for a body nested deeper than MAX_JSON_DEPTH (without recursion). */
function refuseDeepJson(_request: unknown, _response: unknown, raw: Buffer): void {
  if (jsonDeeperThan(raw, MAX_JSON_DEPTH)) throw new JsonTooDeepError(JSON_TOO_DEEP);
}

/** The request's validation, in a span of its own when tracing is on. */
class TracedValidationPipe extends ValidationPipe {
  transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body' || !tracingEnabled()) return super.transform(value, metadata);
    return inSpan('validation', {}, () => super.transform(value, metadata));
  }
}

/**
 * Express error middleware right after the body parser: its errors (400, 413, 415) go to sendError.
 * A body that fails to decompress (a bad gzip, deflate, br or zstd stream) comes as the zlib error with
 * only `status: 400` set: 400 `Unreadable request body`, not a 500.
 */
function answerBodyParserErrors(error: unknown, request: Request, response: Response, next: NextFunction): void {
  if (isBodyParserError(error)) sendError(request, response, error);
  else if ((error as { status?: unknown } | null)?.status === 400) sendError(request, response, { status: 400, type: 'entity.unreadable' });
  else next(error);
}

/** HTTP wiring shared by main.ts and the tests: trace spans, body limits, validation, error shape, Swagger UI. */
export function configureApp(app: INestApplication): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  // First, so that a request's span covers all it does (only when main.ts started tracing).
  if (tracingEnabled()) app.use(httpServerSpans);
  const express = (app as NestExpressApplication).getHttpAdapter().getInstance();
  // No ETag: answers are not cached (a job's status changes), and hashing every body costs CPU on each request.
  express.set('etag', false);
  app.use(methodNotAllowed(express));
  // The depth is checked on the raw bytes, before parsing: the validation pipe recurses.
  (app as NestExpressApplication).useBodyParser('json', { limit: maxBodyBytes(config), verify: refuseDeepJson } as { limit: number });
  // body-parser's own errors answered here, on the one error path: past this point Nest would turn
  // a malformed body's SyntaxError into a 400 carrying JSON.parse's message.
  app.use(answerBodyParserErrors);
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(
    new TracedValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      exceptionFactory: (errors) => {
        const details = flatten(errors);
        return new ApiError(400, { error: `Invalid request: ${details.join('; ')}`, details });
      },
    }),
  );
  // Swagger UI and /docs-json wherever the API is served (a worker serves no /v1 route).
  if (config.role !== 'worker') setupOpenApi(app);
}

