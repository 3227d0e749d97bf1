import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, AuthenticatedRequest } from '../auth/api-key.guard';
import { API_KEY_SCHEME } from '../openapi/openapi';
import { ExecuteRequestDto } from './dto/execute-request.dto';
import { ApiExecutePython } from './execution.api-docs';
import { ExecutionService } from './execution.service';
import { IDEMPOTENCY_REPLAYED_HEADER, parseIdempotencyKey } from './idempotency-key';

@Controller('v1/code')
@UseGuards(ApiKeyGuard)
@ApiTags('execution')
@ApiSecurity(API_KEY_SCHEME)
export class ExecutionController {
  constructor(private readonly executions: ExecutionService) {}

  @Post('execute/python')
  @HttpCode(200)
  @ApiExecutePython()
  async executePython(
    @Body() request: ExecuteRequestDto,
    @Req() http: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    // Read from the request (not @Headers, which the OpenAPI document would list as required).
    const key = parseIdempotencyKey(http.headers['idempotency-key']);
    // Set before the answer, so that a repeat's error answer (sent by the filter) carries it too.
    const idempotency = key === undefined ? undefined : { key, replayed: () => response.setHeader(IDEMPOTENCY_REPLAYED_HEADER, 'true') };
    const reply = await this.executions.execute(request, http.apiKeyFingerprint, http.id === undefined ? undefined : String(http.id), http.apiKeyName, idempotency);
    response.status(reply.status);
    return reply.body;
  }
}
