import { ArgumentMetadata, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { ApiError } from './common/api-error';
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
    const own = Object.values(error.constraints ?? {});
    return [...own, ...flatten(error.children ?? [], property)];
  });
}

/** The request's validation, in a span of its own when tracing is on. */
class TracedValidationPipe extends ValidationPipe {
  transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body' || !tracingEnabled()) return super.transform(value, metadata);
    return inSpan('validation', {}, () => super.transform(value, metadata));
  }
}

/** HTTP wiring shared by main.ts and the tests: trace spans, body limits, validation, error shape, Swagger UI. */
export function configureApp(app: INestApplication): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  // First, so that a request's span covers all it does (only when main.ts started tracing).
  if (tracingEnabled()) app.use(httpServerSpans);
  (app as NestExpressApplication).useBodyParser('json', { limit: maxBodyBytes(config) });
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

