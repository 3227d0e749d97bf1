import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { API_KEY_SCHEME } from '../openapi/openapi';
import { RuntimeDto } from './dto/runtime.dto';
import { ApiGetRuntime } from './runtime.api-docs';
import { RuntimeService } from './runtime.service';

@Controller('v1/runtime')
@UseGuards(ApiKeyGuard)
@ApiTags('runtime')
@ApiSecurity(API_KEY_SCHEME)
export class RuntimeController {
  constructor(private readonly runtime: RuntimeService) {}

  @Get()
  @ApiGetRuntime()
  getRuntime(): Promise<RuntimeDto> {
    return this.runtime.describe();
  }
}
