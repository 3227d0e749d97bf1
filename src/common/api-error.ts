import { HttpException } from '@nestjs/common';

/** The body every error response has: `error` plus fields the contract names for that case. */
export interface ErrorBody {
  error: string;
  [field: string]: unknown;
}

/** An HTTP error whose body is already in the documented shape; the filter sends it as is. */
export class ApiError extends HttpException {
  constructor(status: number, readonly body: ErrorBody) {
    super(body, status);
  }
}
