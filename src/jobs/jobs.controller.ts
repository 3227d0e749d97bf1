import { Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, AuthenticatedRequest } from '../auth/api-key.guard';
import { API_KEY_SCHEME } from '../openapi/openapi';
import { JobStatusDto, WebhookRedeliveryDto } from './dto/job-status.dto';
import { ApiGetJob, ApiRedeliverWebhook } from './jobs.api-docs';
import { JobsService } from './jobs.service';

@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
@ApiTags('jobs')
@ApiSecurity(API_KEY_SCHEME)
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':job_id')
  @ApiGetJob()
  getJob(@Param('job_id') jobId: string, @Req() http: AuthenticatedRequest): Promise<JobStatusDto> {
    return this.jobs.status(jobId, http.apiKeyFingerprint);
  }

  @Post(':job_id/webhook')
  @HttpCode(202)
  @ApiRedeliverWebhook()
  redeliverWebhook(@Param('job_id') jobId: string, @Req() http: AuthenticatedRequest): Promise<WebhookRedeliveryDto> {
    return this.jobs.redeliverWebhook(jobId, http.apiKeyFingerprint);
  }
}
