import { HttpException } from '@nestjs/common';

/** The body every error response has: `error` plus fields the contract names for that case. */
export interface ErrorBody {
  error: string;
  [field: string]: unknown;
}

/**
 * An HTTP error whose body is already in the documented shape; the filter sends it as is.
 * `reason` is what the log says of a 5xx beyond its body (never sent to the client).
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly body: ErrorBody,
    readonly reason?: string,
  ) {
    super(body, status);
  }
}
