import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError, ErrorBody } from './api-error';

/** Errors raised by body-parser before Nest sees the request carry these fields. */
interface BodyParserError {
  status: number;
  type: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | null;
  return typeof candidate?.status === 'number' && typeof candidate.type === 'string';
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Request body too large',
  'entity.parse.failed': 'Malformed JSON in request body',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
};

/** The one place that shapes error responses: every error body is `{ error, ... }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.describe(exception);
    // ApiErrors are deliberate answers (503 not ready, 500 job failed) and are logged where raised.
    if (status >= 500 && !(exception instanceof ApiError)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (!response.headersSent) response.status(status).json(body);
  }

  private describe(exception: unknown): [number, ErrorBody] {
    if (exception instanceof ApiError) return [exception.getStatus(), exception.body];
    if (exception instanceof HttpException) {
      const payload = exception.getResponse();
      const message =
        typeof payload === 'string' ? payload : (payload as { message?: string | string[] }).message;
      return [exception.getStatus(), { error: [message ?? exception.message].flat().join('; ') }];
    }
    if (isBodyParserError(exception) && exception.status >= 400 && exception.status < 500) {
      return [exception.status, { error: BODY_PARSER_MESSAGES[exception.type] ?? 'Unreadable request body' }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: 'Internal server error' }];
  }
}
