import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiInternalServerErrorResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorDto } from './dto/error.dto';

/** 415 of any route: the body parser's refusals. */
export const UNSUPPORTED_BODY =
  'The body\'s `Content-Encoding` is not one of identity, gzip, deflate, br, zstd (`Unsupported content encoding`), or its JSON `charset` is not one the server decodes (`Unsupported charset`).';

/**
 * The statuses every route can answer before or around its own logic, for the OpenAPI document
 * of the routes that take no body (GET /v1/jobs/{job_id}, POST /v1/jobs/{job_id}/webhook,
 * GET /v1/runtime): a body sent anyway is still parsed (400 malformed or nested too deep, 413 too
 * large, 415 an unknown content encoding or charset, 400 a body that fails to decompress), a path that is not valid percent-encoding is 400, an unexpected failure is 500, and a
 * process shutting down answers 503. `serviceUnavailable: false` for a route that documents its
 * own 503.
 */
export function ApiRequestFailureResponses(options: { serviceUnavailable: boolean }): MethodDecorator {
  const decorators = [
    ApiBadRequestResponse({
      description:
        'The route takes no body, but one was sent and is malformed JSON (`Malformed JSON in request body`) or nested deeper than 64 levels; or the path is not valid percent-encoding (`Failed to decode param ...`).',
      type: ErrorDto,
    }),
    ApiPayloadTooLargeResponse({ description: 'A body was sent and is larger than the body limit.', type: ErrorDto }),
    ApiUnsupportedMediaTypeResponse({ description: UNSUPPORTED_BODY, type: ErrorDto }),
    ApiInternalServerErrorResponse({ description: 'An unexpected failure of the service (`Internal server error`; the details go to its log).', type: ErrorDto }),
  ];
  if (options.serviceUnavailable) {
    decorators.push(ApiServiceUnavailableResponse({ description: 'The process is shutting down (`The service is shutting down`).', type: ErrorDto }));
  }
  return applyDecorators(...decorators);
}
