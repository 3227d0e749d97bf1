import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { traceLogFields } from '../tracing/spans';

/**
 * Structured JSON logs: one line per request (id, method, path, status, time, key name) and one per job;
 * with tracing on, lines written inside a span carry its trace_id and span_id.
 * Bodies are never logged, and headers are not either: the request carries API keys.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          // trace_id and span_id of the active span (only when tracing is on and a span is active).
          mixin: traceLogFields,
          // The name of the request's API key once the guard accepted it (never the key).
          customProps: (req: IncomingMessage & { apiKeyName?: string }) => (req.apiKeyName ? { keyName: req.apiKeyName } : {}),
          genReqId: (req: IncomingMessage) => {
            const given = req.headers['x-request-id'];
            return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
          },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
            res: (res: { statusCode: number }) => ({ status: res.statusCode }),
          },
          customSuccessMessage: () => 'request completed',
          customErrorMessage: () => 'request failed',
          autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
