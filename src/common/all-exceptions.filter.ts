import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError, ErrorBody } from './api-error';

/** Errors raised by body-parser before Nest sees the request carry these fields. */
interface BodyParserError {
  status: number;
  type: string;
}

export function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | null;
  return typeof candidate?.status === 'number' && typeof candidate.type === 'string';
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Request body too large',
  'entity.parse.failed': 'Malformed JSON in request body',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
};

/** Thrown from body-parser's `verify` hook (app.setup.ts) for a body nested too deep; body-parser passes it on. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
}

/** The one mapper from anything thrown to the answer: status, the `{ error, ... }` body, and what to log. */
export function errorResponse(exception: unknown): { status: number; body: ErrorBody; reason?: string } {
  if (exception instanceof ApiError) return { status: exception.getStatus(), body: exception.body, reason: exception.reason };
  if (exception instanceof HttpException) {
    const payload = exception.getResponse();
    const message = typeof payload === 'string' ? payload : (payload as { message?: string | string[] }).message;
    return { status: exception.getStatus(), body: { error: [message ?? exception.message].flat().join('; ') } };
  }
  if (exception instanceof JsonTooDeepError) {
    return { status: HttpStatus.BAD_REQUEST, body: { error: `Invalid request: ${exception.message}`, details: [exception.message] } };
  }
  if (isBodyParserError(exception) && exception.status >= 400 && exception.status < 500) {
    return { status: exception.status, body: { error: BODY_PARSER_MESSAGES[exception.type] ?? 'Unreadable request body' } };
  }
  const reason = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: 'Internal server error' }, reason };
}

const logger = new Logger('Errors');

/** Sends an error answer; every 5xx is logged here, once, with its request and job ids. */
export function sendError(request: Request, response: Response, exception: unknown): void {
  const { status, body, reason } = errorResponse(exception);
  if (status >= 500) {
    logger.error({ requestId: (request as Request & { id?: unknown }).id, jobId: body.job_id, status, error: body.error, reason }, 'request failed');
  }
  if (!response.headersSent) response.status(status).json(body);
}

/** Every error of every route goes through here (sendError). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<Request>(), http.getResponse<Response>(), exception);
  }
}
