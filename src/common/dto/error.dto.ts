import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/**
 * Error bodies of the API contract (docs/api.md). Every error is `{ "error": "...", ... }`; these
 * classes only describe them for the OpenAPI document (the filter in common/ shapes them).
 * Every property is decorated explicitly: ts-jest does not run the Swagger CLI plugin.
 */

/** The bare error: 401, 404, 413, and 500/503 without a job. */
@ApiSchema({ name: 'ErrorResponse', description: 'An error: `error` says what went wrong.' })
export class ErrorDto {
  @ApiProperty({ type: String, description: 'What went wrong, in one line.', example: 'Invalid API key' })
  error!: string;
}

/** 400 for a request that was refused before anything ran. */
@ApiSchema({ name: 'RequestError', description: 'The request was refused before anything ran.' })
export class RequestErrorDto {
  @ApiProperty({
    type: String,
    description: 'What is wrong with the request: the validation messages joined, malformed JSON, or a refused webhook host.',
    example: 'Invalid request: timeout must not be greater than 300',
  })
  error!: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'One message per rule the body broke (absent when the body could not be parsed at all).',
    example: ['timeout must not be greater than 300'],
  })
  details?: string[];
}

/** 500 when the sandbox or the worker failed, 503 when Redis or the workers are unavailable. */
@ApiSchema({ name: 'JobError', description: 'The service could not run the job, or not in time.' })
export class JobErrorDto {
  @ApiProperty({
    type: String,
    description: 'What failed.',
    example: 'The sandbox failed to run the program',
  })
  error!: string;

  @ApiPropertyOptional({ type: String, description: 'The job, when one had been created.', example: '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10' })
  job_id?: string;

  @ApiPropertyOptional({ type: String, description: "The request's `id`, when it had one.", example: 'request-123' })
  id?: string;
}
