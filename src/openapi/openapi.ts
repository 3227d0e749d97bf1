import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_HEADER } from '../auth/api-key';
import { untypeAnyJsonValues } from './any-json-value';

/** Name of the `x-api-key` scheme in `components.securitySchemes`; every /v1 route requires it. */
export const API_KEY_SCHEME = 'api_key';
/** Swagger UI. */
export const DOCS_PATH = 'docs';
/** The OpenAPI document as JSON (the same document as `openapi.json` at the repo root). */
export const DOCS_JSON_PATH = 'docs-json';

const DESCRIPTION = `Run untrusted Python over HTTP. Each execution is a job in a Bull queue on Redis and runs
in a fresh [nsjail](https://github.com/google/nsjail) sandbox: no network, a private \`/tmp\`,
limits on memory, processes, output and wall time.

**Authentication**: every \`/v1\` route needs the header \`x-api-key\` with one of the server's
\`API_KEYS\` (in Swagger UI: *Authorize*).

**Errors** always have the shape \`{"error": "...", ...}\`; the fields beside \`error\` depend on the
case and are listed with each status.

**Synchronous or not**: without \`webhook_url\` the call waits for the run and answers its result;
with it, the call answers 202 at once and the result is POSTed to the URL when the job ends
(headers \`X-Webhook-Id\`, \`X-Webhook-Timestamp\` and, with \`WEBHOOK_SECRET\` set,
\`X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body">\`). Every job, synchronous or
not, can be looked up with \`GET /v1/jobs/{job_id}\` for \`JOB_TTL_SECONDS\`.`;

/**
 * The OpenAPI document of the service: one function for the app (Swagger UI, /docs-json), the
 * export script (openapi.json) and the tests. Scans the controllers of `app`; it does not need
 * the app to be initialised (the export script builds it in preview mode, without Redis).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('pyexec')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This server')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: API_KEY_HEADER, description: 'One of the keys in the server\'s `API_KEYS`.' },
      API_KEY_SCHEME,
    )
    .addTag('execution', 'Run Python code in the sandbox.')
    .addTag('jobs', 'Look up a job, synchronous or not.')
    .addTag('runtime', 'What code runs with: Python, packages, limits, files.')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
  return untypeAnyJsonValues(document);
}

/** Serves Swagger UI at /docs (its assets from swagger-ui-dist, no CDN) and the JSON at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app as NestExpressApplication, document, {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'pyexec API',
    swaggerOptions: {
      persistAuthorization: true,
      displayOperationId: true,
      displayRequestDuration: true,
      // Swagger UI would otherwise load a badge from an outside validator service.
      validatorUrl: null,
    },
  });
}

/** Headers of a 429 from the per-key rate limit (any /v1 route). */
export const RATE_LIMIT_HEADERS = {
  'Retry-After': {
    description: 'With the rate limit: seconds until the key may send again.',
    schema: { type: 'integer' as const },
  },
};
