import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiRequestTimeoutResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { RATE_LIMIT_HEADERS } from '../openapi/openapi';
import { ErrorDto, JobErrorDto, RequestErrorDto } from '../common/dto/error.dto';
import { EXECUTE_REQUEST_EXAMPLES, EXECUTE_RESPONSE_EXAMPLES as EXAMPLES } from '../openapi/examples';
import { ExecuteRequestDto } from './dto/execute-request.dto';
import {
  ExecuteAcceptedDto,
  ExecuteResultDto,
  ExecutionErrorDto,
  ExecutionTimeoutDto,
  QueueFullDto,
} from './dto/execute-response.dto';

const ref = (model: Function) => ({ $ref: getSchemaPath(model) });

/** The OpenAPI description of POST /v1/code/execute/python (docs/api.md). */
export function ApiExecutePython(): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ExecuteRequestDto, ExecutionErrorDto, RequestErrorDto, JobErrorDto, QueueFullDto, ErrorDto),
    ApiOperation({
      summary: 'Run Python code',
      description: `Runs \`code\` in a fresh sandbox. \`code\` is the body of a function: a top-level
\`return\` sets \`result\`.

Without \`webhook_url\` the call waits for the run: **200** when the program finished with exit status 0,
**400** when it raised, exited non-zero, was killed or hit a limit, **408** when \`timeout\` ran out.
With \`webhook_url\` it answers **202** at once and POSTs \`{endpoint, code, id, job_id, response, message,
run_time, queue_time, total_time}\` to the URL when the job ends, where \`code\` and \`response\` are the
status and body the synchronous call would have given.

Unknown fields are rejected (400). A \`webhook_url\` whose host is or resolves to a loopback, private,
link-local or metadata address is refused (400) unless the server allows private hosts.`,
    }),
    ApiBody({ description: 'The code to run and how.', required: true, schema: ref(ExecuteRequestDto), examples: EXECUTE_REQUEST_EXAMPLES }),
    ApiOkResponse({ description: 'The program finished with exit status 0 (`sys.exit(0)` included).', type: ExecuteResultDto, examples: EXAMPLES[200] }),
    ApiAcceptedResponse({
      description: '`webhook_url` was given: the job is queued; its result will be POSTed to the URL.',
      type: ExecuteAcceptedDto,
      examples: EXAMPLES[202],
    }),
    ApiBadRequestResponse({
      description:
        'Either the program failed — it raised, exited non-zero, was killed by a signal or hit a limit (`ExecutionError`, with its output) — or the request was invalid (`RequestError`).',
      schema: { anyOf: [ref(ExecutionErrorDto), ref(RequestErrorDto)] },
      examples: EXAMPLES[400],
    }),
    ApiUnauthorizedResponse({ description: 'Missing or unknown `x-api-key`.', type: ErrorDto, examples: EXAMPLES[401] }),
    ApiRequestTimeoutResponse({
      description: 'The wall time of `timeout` ran out; the whole process tree was killed. Carries the output produced until then.',
      type: ExecutionTimeoutDto,
      examples: EXAMPLES[408],
    }),
    ApiPayloadTooLargeResponse({ description: 'The body is larger than 4 MiB plus room for `MAX_INPUT_FILES_BYTES` of files in base64 (about 17.4 MiB with the defaults).', type: ErrorDto, examples: EXAMPLES[413] }),
    ApiTooManyRequestsResponse({
      description:
        '`MAX_QUEUE_LENGTH` jobs are already waiting for a worker (`QueueFull`), or the key made more than `RATE_LIMIT_PER_MINUTE` requests in a minute (`ErrorResponse`, with `Retry-After`).',
      schema: { anyOf: [ref(QueueFullDto), ref(ErrorDto)] },
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
      description: 'Redis is unreachable, or no worker started the job within `QUEUE_WAIT_SECONDS` (the job was withdrawn).',
      type: JobErrorDto,
      examples: EXAMPLES[503],
    }),
  );
}
