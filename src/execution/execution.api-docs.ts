import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiRequestTimeoutResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { RATE_LIMIT_HEADERS } from '../openapi/openapi';
import { UNSUPPORTED_BODY } from '../common/api-docs';
import { ErrorDto, JobErrorDto, RequestErrorDto } from '../common/dto/error.dto';
import { EXECUTE_REQUEST_EXAMPLES, EXECUTE_RESPONSE_EXAMPLES as EXAMPLES } from '../openapi/examples';
import { ExecuteRequestDto } from './dto/execute-request.dto';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_REPLAYED_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key';
import {
  ExecuteAcceptedDto,
  ExecuteResultDto,
  ExecutionErrorDto,
  ExecutionTimeoutDto,
  KeyJobsLimitDto,
  StorageBudgetDto,
  QueueFullDto,
} from './dto/execute-response.dto';

const ref = (model: Function) => ({ $ref: getSchemaPath(model) });

/** On the answer to a repeat of an Idempotency-Key. */
const REPLAYED_HEADERS = {
  [IDEMPOTENCY_REPLAYED_HEADER]: {
    description: '`true` when the request repeated an earlier one with the same `Idempotency-Key`: the answer is that job\'s.',
    schema: { type: 'string' as const, enum: ['true'] },
  },
};

/**
 * OpenAPI links from an accepted execution to the job routes: its `job_id` is their path
 * parameter (clients and stateful testers such as schemathesis follow them).
 */
const JOB_LINKS = {
  getJob: {
    operationId: 'getJob',
    parameters: { job_id: '$response.body#/job_id' },
    description: 'The job of this execution: `GET /v1/jobs/{job_id}`.',
  },
  redeliverWebhook: {
    operationId: 'redeliverWebhook',
    parameters: { job_id: '$response.body#/job_id' },
    description: "Deliver this job's webhook again once it ended: `POST /v1/jobs/{job_id}/webhook`.",
  },
};

/** The OpenAPI description of POST /v1/code/execute/python (docs/api.md). */
export function ApiExecutePython(): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ExecuteRequestDto, ExecutionErrorDto, RequestErrorDto, JobErrorDto, QueueFullDto, KeyJobsLimitDto, StorageBudgetDto, ErrorDto),
    ApiOperation({
      summary: 'Run Python code',
      description: `Runs \`code\` in a fresh sandbox. \`code\` is the body of a function: a top-level
\`return\` sets \`result\`.

Without \`webhook_url\` the call waits for the run: **200** when the program finished with exit status 0,
**400** when it raised, exited non-zero, was killed or hit a limit, **408** when \`timeout\` ran out.
With \`webhook_url\` it answers **202** at once and POSTs \`{endpoint, code, id, job_id, response, message,
run_time, queue_time, total_time}\` to the URL when the job ends, where \`code\` and \`response\` are the
status and body the synchronous call would have given.

With an \`Idempotency-Key\` header, a repeat of the same request with the same key (per API key, for
\`JOB_TTL_SECONDS\`) gets the same job instead of a new run: the same \`job_id\` in its 202, or the same
answer (waiting for it if needed), with \`Idempotent-Replayed: true\`; the same key with a different
request is **422**.

Unknown fields and \`null\` values are rejected (400). A \`webhook_url\` whose host is or resolves to a loopback, private,
link-local or metadata address is refused (400) unless the server allows private hosts.`,
    }),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description: `Optional; 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters (400 otherwise). A repeat with the same key and the same request (per API key, for \`JOB_TTL_SECONDS\`) gets the job of the first: the same \`job_id\`, the same answer, no second run and no second webhook; its answer carries \`${IDEMPOTENCY_REPLAYED_HEADER}: true\`. The same key with a different request is 422.`,
      schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x20-\\x7E]+$', example: 'order-42-attempt' },
    }),
    ApiBody({ description: 'The code to run and how.', required: true, schema: ref(ExecuteRequestDto), examples: EXECUTE_REQUEST_EXAMPLES }),
    ApiOkResponse({ description: 'The program finished with exit status 0 (`sys.exit(0)` included).', type: ExecuteResultDto, headers: REPLAYED_HEADERS, links: JOB_LINKS, examples: EXAMPLES[200] }),
    ApiAcceptedResponse({
      description: '`webhook_url` was given: the job is queued; its result will be POSTed to the URL.',
      type: ExecuteAcceptedDto,
      headers: REPLAYED_HEADERS,
      links: JOB_LINKS,
      examples: EXAMPLES[202],
    }),
    ApiBadRequestResponse({
      description:
        'Either the program failed — it raised, exited non-zero, was killed by a signal or hit a limit (`ExecutionError`, with its output) — or the request was invalid (`RequestError`; `{error}` alone for a bad `Idempotency-Key`).',
      schema: { anyOf: [ref(ExecutionErrorDto), ref(RequestErrorDto)] },
      examples: EXAMPLES[400],
    }),
    ApiUnauthorizedResponse({ description: 'Missing or unknown `x-api-key`.', type: ErrorDto, examples: EXAMPLES[401] }),
    ApiRequestTimeoutResponse({
      description: 'The wall time of `timeout` ran out; the whole process tree was killed. Carries the output produced until then.',
      type: ExecutionTimeoutDto,
      examples: EXAMPLES[408],
    }),
    ApiUnprocessableEntityResponse({
      description: 'The `Idempotency-Key` was used before, with this API key, for a different request.',
      type: ErrorDto,
      examples: EXAMPLES[422],
    }),
    ApiPayloadTooLargeResponse({ description: 'The body is larger than 4 MiB plus room for `MAX_INPUT_FILES_BYTES` of files in base64 (about 17.4 MiB with the defaults).', type: ErrorDto, examples: EXAMPLES[413] }),
    ApiUnsupportedMediaTypeResponse({ description: UNSUPPORTED_BODY, type: ErrorDto }),
    ApiTooManyRequestsResponse({
      description:
        '`MAX_QUEUE_LENGTH` jobs are already waiting for a worker (`QueueFull`), the key already has `MAX_JOBS_PER_KEY` jobs in flight (`KeyJobsLimit`), the unexpired results of the key hold `MAX_STORED_BYTES_PER_KEY` bytes (`StorageBudget`), or the key made more than `RATE_LIMIT_PER_MINUTE` requests in a minute (`ErrorResponse`, with `Retry-After`).',
      schema: { anyOf: [ref(QueueFullDto), ref(KeyJobsLimitDto), ref(StorageBudgetDto), ref(ErrorDto)] },
      headers: RATE_LIMIT_HEADERS,
      examples: EXAMPLES[429],
    }),
    ApiInternalServerErrorResponse({
      description:
        'The program exited 0 without a valid result record, e.g. after `os._exit(0)` (`ExecutionError`, `Failed to parse execution result`), or the sandbox or the worker failed (`JobError`).',
      schema: { anyOf: [ref(ExecutionErrorDto), ref(JobErrorDto)] },
      examples: EXAMPLES[500],
    }),
    ApiServiceUnavailableResponse({
      description: 'Redis is unreachable or full (`maxmemory` reached: it refuses writes), no worker started the job within `QUEUE_WAIT_SECONDS` (the job was withdrawn), or the job vanished from Redis while the call waited (`The job was lost: ...`; send the request again).',
      type: JobErrorDto,
      examples: EXAMPLES[503],
    }),
  );
}
