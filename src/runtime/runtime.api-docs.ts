import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiRequestFailureResponses } from '../common/api-docs';
import { ErrorDto } from '../common/dto/error.dto';
import { RATE_LIMIT_HEADERS } from '../openapi/openapi';
import { JOB_RESPONSE_EXAMPLES as EXAMPLES } from '../openapi/examples';
import { RuntimeDto } from './dto/runtime.dto';

/** The OpenAPI description of GET /v1/runtime. */
export function ApiGetRuntime(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Describe the runtime',
      description:
        'The Python version and every installed distribution user code can import, the limits a request gets by default and the most it may ask for, the rules of input and output files, and whether runs can reach the network.',
    }),
    ApiOkResponse({ description: 'The runtime.', type: RuntimeDto }),
    ApiUnauthorizedResponse({ description: 'Missing or unknown `x-api-key`.', type: ErrorDto, examples: EXAMPLES[401] }),
    ApiTooManyRequestsResponse({
      description: 'The key made more than `RATE_LIMIT_PER_MINUTE` requests in a minute.',
      type: ErrorDto,
      headers: RATE_LIMIT_HEADERS,
      examples: EXAMPLES[429],
    }),
    ApiRequestFailureResponses({ serviceUnavailable: true }),
  );
}
