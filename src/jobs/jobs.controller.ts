import { Controller, Get, Param, Req, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, AuthenticatedRequest } from '../auth/api-key.guard';
import { JobsService, JobStatusBody } from './jobs.service';

@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':job_id')
  getJob(@Param('job_id') jobId: string, @Req() http: AuthenticatedRequest): Promise<JobStatusBody> {
    return this.jobs.status(jobId, http.apiKeyFingerprint);
  }
}
