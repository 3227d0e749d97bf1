import { ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { JobErrorDto } from '../../common/dto/error.dto';
import { JOB_STATUSES, JobStatus, WEBHOOK_STATUSES, WebhookStatus } from '../../contract/job-status';
import { ExecuteResultDto, ExecutionErrorDto, ExecutionTimeoutDto } from '../../execution/dto/execute-response.dto';

/**
 * The body of GET /v1/jobs/{job_id} (docs/api.md), for the OpenAPI document. Every property is
 * decorated explicitly: ts-jest does not run the Swagger CLI plugin.
 */


@ApiSchema({ name: 'WebhookState', description: 'Delivery state of a job\'s webhook.' })
export class WebhookStateDto {
  @ApiProperty({
    type: String,
    enum: WEBHOOK_STATUSES,
    description:
      '`pending` until an attempt succeeds or attempts run out (retries included); `delivered` after a 2xx; `failed` when no attempt succeeded (terminal, until a redelivery).',
    example: 'delivered',
  })
  status!: WebhookStatus;

  @ApiProperty({ type: 'integer', description: 'Delivery attempts made so far in the current series (at most `WEBHOOK_MAX_ATTEMPTS`; a redelivery starts a new series).', example: 1 })
  attempts!: number;

  @ApiPropertyOptional({ type: String, description: 'Why the last attempt failed.', example: 'receiver answered 503' })
  last_error?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'While `pending` and a retry is scheduled: when the next attempt is due. Absent once `delivered` or `failed`.',
    example: '2026-11-28T19:20:09.160Z',
  })
  next_attempt_at?: string;
}

@ApiSchema({ name: 'WebhookRedelivery', description: 'A new delivery of the job\'s webhook is queued.' })
export class WebhookRedeliveryDto {
  @ApiProperty({ type: String, description: 'The job.', example: '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10' })
  job_id!: string;

  @ApiProperty({ type: String, enum: ['redelivering'], description: 'Always `redelivering`.', example: 'redelivering' })
  message!: 'redelivering';
}

@ApiSchema({ name: 'JobStatus', description: 'A job, synchronous or not.' })
export class JobStatusDto {
  @ApiProperty({ type: String, description: 'The job.', example: '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10' })
  job_id!: string;

  @ApiProperty({ type: String, nullable: true, description: "The request's `id`; `null` when it had none.", example: 'request-123' })
  id!: string | null;

  @ApiProperty({
    type: String,
    enum: JOB_STATUSES,
    description:
      '`queued` (waiting for a worker), `running`, `completed` (the code ran, whatever its outcome: see `code` and `response`) or `failed` (the worker itself failed).',
    example: 'completed',
  })
  status!: JobStatus;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Once completed: the HTTP status the synchronous call answered (200, 400, 408 or 500).',
    example: 200,
  })
  code?: number;

  @ApiPropertyOptional({
    description: 'Once completed: the body the synchronous call answered, with the same schema as that status of executePython.',
    anyOf: [
      { $ref: getSchemaPath(ExecuteResultDto) },
      { $ref: getSchemaPath(ExecutionErrorDto) },
      { $ref: getSchemaPath(ExecutionTimeoutDto) },
      { $ref: getSchemaPath(JobErrorDto) },
    ],
  })
  response?: Record<string, unknown>;

  @ApiPropertyOptional({ type: () => WebhookStateDto, description: 'Delivery of the webhook; only for jobs submitted with `webhook_url`.' })
  webhook?: WebhookStateDto;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the job was submitted.', example: '2026-11-28T19:20:01.120Z' })
  created_at!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'When a worker started it.', example: '2026-11-28T19:20:01.122Z' })
  started_at?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'When it ended.', example: '2026-11-28T19:20:01.160Z' })
  finished_at?: string;
}
