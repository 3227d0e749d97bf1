import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiRequestFailureResponses } from '../common/api-docs';
import { ErrorDto, JobErrorDto } from '../common/dto/error.dto';
import { ExecuteResultDto, ExecutionErrorDto, ExecutionTimeoutDto } from '../execution/dto/execute-response.dto';
import { RATE_LIMIT_HEADERS } from '../openapi/openapi';
import { JOB_RESPONSE_EXAMPLES as EXAMPLES, WEBHOOK_REDELIVERY_EXAMPLES } from '../openapi/examples';
import { JobStatusDto, WebhookRedeliveryDto } from './dto/job-status.dto';

/** The OpenAPI description of GET /v1/jobs/{job_id} (docs/api.md). */
export function ApiGetJob(): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ExecuteResultDto, ExecutionErrorDto, ExecutionTimeoutDto, JobErrorDto),
    ApiOperation({
      summary: 'Look up a job',
      description:
        'The state of a job, synchronous or not, for `JOB_TTL_SECONDS` after it was submitted. Only the API key that submitted a job sees it: for any other key it is 404, like an unknown id.',
    }),
    ApiParam({ name: 'job_id', description: 'The `job_id` an execution answered.', example: '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10' }),
    ApiOkResponse({ description: 'The job.', type: JobStatusDto, examples: EXAMPLES[200] }),
    ApiUnauthorizedResponse({ description: 'Missing or unknown `x-api-key`.', type: ErrorDto, examples: EXAMPLES[401] }),
    ApiNotFoundResponse({
      description: 'No such job, it expired, or it was submitted with another key.',
      type: ErrorDto,
      examples: EXAMPLES[404],
    }),
    ApiTooManyRequestsResponse({
      description: 'The key made more than `RATE_LIMIT_PER_MINUTE` requests in a minute.',
      type: ErrorDto,
      headers: RATE_LIMIT_HEADERS,
      examples: EXAMPLES[429],
    }),
    ApiServiceUnavailableResponse({ description: 'Redis is unreachable, or the process is shutting down.', type: ErrorDto, examples: EXAMPLES[503] }),
    ApiRequestFailureResponses({ serviceUnavailable: false }),
  );
}

/** The OpenAPI description of POST /v1/jobs/{job_id}/webhook (docs/api.md). */
export function ApiRedeliverWebhook(): MethodDecorator {
  const examples = WEBHOOK_REDELIVERY_EXAMPLES;
  return applyDecorators(
    ApiOperation({
      summary: "Redeliver a job's webhook",
      description:
        "Starts a new attempt series of a finished job's webhook — after it was delivered, or failed for good after `WEBHOOK_MAX_ATTEMPTS` attempts — with the same `X-Webhook-Id` and the same body (signed again with a fresh `X-Webhook-Timestamp`). The job's `webhook` state starts over from `pending` with 0 attempts. Only the API key that submitted the job may: for any other key it is 404, like an unknown id.",
    }),
    ApiParam({ name: 'job_id', description: 'The `job_id` an execution answered.', example: '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10' }),
    ApiAcceptedResponse({ description: 'A new delivery is queued.', type: WebhookRedeliveryDto, examples: examples[202] }),
    ApiUnauthorizedResponse({ description: 'Missing or unknown `x-api-key`.', type: ErrorDto, examples: examples[401] }),
    ApiNotFoundResponse({ description: 'No such job, it expired, or it was submitted with another key.', type: ErrorDto, examples: examples[404] }),
    ApiConflictResponse({
      description:
        'The job was submitted without `webhook_url`, has not finished yet, or a delivery of its webhook is under way (queued, waiting for a retry, in flight, or being redelivered).',
      type: ErrorDto,
      examples: examples[409],
    }),
    ApiTooManyRequestsResponse({
      description: 'The key made more than `RATE_LIMIT_PER_MINUTE` requests in a minute.',
      type: ErrorDto,
      headers: RATE_LIMIT_HEADERS,
      examples: examples[429],
    }),
    ApiServiceUnavailableResponse({ description: 'Redis is unreachable, or the process is shutting down.', type: ErrorDto, examples: examples[503] }),
    ApiRequestFailureResponses({ serviceUnavailable: false }),
  );
}
