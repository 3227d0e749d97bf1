import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ApiAnyJsonProperty } from '../../openapi/any-json-value';

/**
 * Bodies of POST /v1/code/execute/python (docs/api.md), for the OpenAPI document.
 * The processor and the service build them; these classes describe them. Every property is
 * decorated explicitly: ts-jest does not run the Swagger CLI plugin.
 */

const JOB_ID = { type: String, description: 'The job that ran the code (see GET /v1/jobs/{job_id}).', example: '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10' };
const ECHOED_ID = { type: String, description: "The request's `id`, echoed back; absent when the request had none.", example: 'request-123' };
const STDOUT = { type: String, description: 'Standard output, at most the run\'s `max_output_bytes` in the bytes of its JSON; bytes that are not UTF-8 become U+FFFD.', example: 'Hello, World!\n' };
const STDERR = { type: String, description: 'Standard error, at most the run\'s `max_output_bytes` in the bytes of its JSON; bytes that are not UTF-8 become U+FFFD.', example: '' };
const seconds = (what: string, example: number) => ({ type: Number, description: `${what}, in seconds with 3 decimals.`, example });

/** A file the program created or changed in its working directory, or a figure it left open or showed. */
@ApiSchema({ name: 'OutputFile', description: 'A file the program created or changed in its working directory, or a matplotlib figure (`figure-N.png`).' })
export class OutputFileDto {
  @ApiProperty({ type: String, description: 'Path relative to the working directory.', example: 'figure-1.png' })
  path!: string;

  @ApiProperty({ type: 'integer', description: 'Size in bytes.', example: 20543 })
  size!: number;

  @ApiProperty({ type: String, description: 'Media type from the file name extension (`application/octet-stream` when unknown).', example: 'image/png' })
  mime_type!: string;

  @ApiProperty({ type: String, format: 'byte', description: 'The bytes, base64.', example: 'iVBORw0KGgo=' })
  content!: string;
}

const FILES = {
  type: OutputFileDto,
  isArray: true,
  description:
    'Every regular file the program created or changed under its working directory (symlinks are never followed), by path, then the matplotlib figures it showed or left open as `figure-1.png`, `figure-2.png`, ... At most `MAX_OUTPUT_FILES` files and `MAX_OUTPUT_FILES_BYTES` bytes: past either the answer is 400 naming it, with no files.',
};

/** 200: the code finished with exit status 0. */
@ApiSchema({ name: 'ExecuteResult', description: 'The program finished with exit status 0.' })
export class ExecuteResultDto {
  @ApiAnyJsonProperty({
    description:
      'Any JSON value: the value of the top-level `return` (`null` without one). Values JSON cannot hold become their `str()`, NaN and infinities become `null`, tuples become lists.',
    example: null,
  })
  result!: unknown;

  @ApiProperty(STDOUT)
  stdout!: string;

  @ApiProperty(STDERR)
  stderr!: string;

  @ApiProperty({ type: 'integer', description: 'Always 0 here (`sys.exit(0)` included).', example: 0 })
  exit_code!: number;

  @ApiProperty(FILES)
  files!: OutputFileDto[];

  @ApiProperty(JOB_ID)
  job_id!: string;

  @ApiPropertyOptional(ECHOED_ID)
  id?: string;

  @ApiProperty(seconds('Time the program ran', 0.038))
  run_time!: number;

  @ApiProperty(seconds('Time the job waited for a worker', 0.002))
  queue_time!: number;

  @ApiProperty(seconds('Time from submission to the end of the run', 0.041))
  total_time!: number;
}

/** 202: `webhook_url` was given; the job is queued and its result will be POSTed there. */
@ApiSchema({ name: 'ExecuteAccepted', description: 'Queued; the result will be POSTed to `webhook_url`.' })
export class ExecuteAcceptedDto {
  @ApiProperty(JOB_ID)
  job_id!: string;

  @ApiPropertyOptional(ECHOED_ID)
  id?: string;

  @ApiProperty({ type: String, enum: ['processing'], description: 'Always `processing`.', example: 'processing' })
  message!: 'processing';

  @ApiProperty({ type: 'integer', description: 'Jobs waiting for a worker, this one included.', example: 1 })
  queue_length!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The `MAX_QUEUE_LENGTH` in force; `null` when the queue is unlimited.',
    example: null,
  })
  max_queue_length!: number | null;
}

/**
 * 400 when the code raised, exited non-zero, was killed by a signal or hit a limit; 500 when it
 * exited 0 without a valid result record (`Failed to parse execution result`).
 */
@ApiSchema({ name: 'ExecutionError', description: 'The program failed, or (500) left no valid result record; with its output.' })
export class ExecutionErrorDto {
  @ApiProperty({
    type: String,
    description:
      "The exception's last traceback line (`ValueError: boom`), `Process exited with code N`, `Process killed by SIGSEGV`, the limit that was hit (`Memory limit of 256 MiB exceeded`, `Process limit of 64 exceeded`, `Output limit of N bytes exceeded on stdout`, `Return value of N bytes exceeds the limit of M bytes`), a system call the sandbox forbids (`Forbidden operation attempted: ...`), or, with 500, `Failed to parse execution result`.",
    example: 'ValueError: boom',
  })
  error!: string;

  @ApiProperty({ ...STDOUT, description: 'Standard output produced before the end.', example: 'before\n' })
  stdout!: string;

  @ApiProperty({ ...STDERR, description: 'Standard error (the traceback, for an exception).' })
  stderr!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Exit status; 128 + N for a process killed by signal N; `null` when the run was stopped at the output limit.',
    example: 1,
  })
  exit_code!: number | null;

  @ApiPropertyOptional({ ...FILES, description: `${FILES.description} Absent from a 500.` })
  files?: OutputFileDto[];

  @ApiProperty(JOB_ID)
  job_id!: string;

  @ApiPropertyOptional(ECHOED_ID)
  id?: string;
}

/** 408: the wall time of `timeout` ran out; the whole process tree was killed. */
@ApiSchema({ name: 'ExecutionTimeout', description: 'The wall time ran out; with the output produced until then.' })
export class ExecutionTimeoutDto {
  @ApiProperty({ type: String, description: '`Execution timed out after N seconds`.', example: 'Execution timed out after 1 seconds' })
  error!: string;

  @ApiProperty({ ...STDOUT, description: 'Standard output produced before the deadline.', example: 'working\n' })
  stdout!: string;

  @ApiProperty({ ...STDERR, description: 'Standard error produced before the deadline.' })
  stderr!: string;

  @ApiProperty(JOB_ID)
  job_id!: string;

  @ApiPropertyOptional(ECHOED_ID)
  id?: string;
}

/** 429: `MAX_QUEUE_LENGTH` jobs are already waiting for a worker. */
@ApiSchema({ name: 'QueueFull', description: '`MAX_QUEUE_LENGTH` jobs are already waiting.' })
export class QueueFullDto {
  @ApiProperty({ type: String, description: 'Names the limit.', example: 'Queue is full: 100 jobs waiting (MAX_QUEUE_LENGTH 100)' })
  error!: string;

  @ApiProperty({ type: 'integer', description: 'Jobs waiting for a worker.', example: 100 })
  queue_length!: number;

  @ApiProperty({ type: 'integer', description: 'The `MAX_QUEUE_LENGTH` in force.', example: 100 })
  max_queue_length!: number;
}

/** 429: the API key has `MAX_JOBS_PER_KEY` jobs in flight. */
@ApiSchema({ name: 'KeyJobsLimit', description: 'This API key already has `MAX_JOBS_PER_KEY` jobs in flight (waiting or running).' })
export class KeyJobsLimitDto {
  @ApiProperty({ type: String, description: 'Names the limit.', example: 'Too many jobs in flight for this API key: 4 (MAX_JOBS_PER_KEY 4)' })
  error!: string;

  @ApiProperty({ type: 'integer', description: "The key's jobs waiting or running.", example: 4 })
  jobs_in_flight!: number;

  @ApiProperty({ type: 'integer', description: 'The `MAX_JOBS_PER_KEY` in force.', example: 4 })
  max_jobs_per_key!: number;
}

/** 429: the API key's stored results hold `MAX_STORED_BYTES_PER_KEY`. */
@ApiSchema({
  name: 'StorageBudget',
  description: "This API key's unexpired results hold `MAX_STORED_BYTES_PER_KEY` bytes or more in Redis; they expire `JOB_TTL_SECONDS` after their jobs ended.",
})
export class StorageBudgetDto {
  @ApiProperty({
    type: String,
    description: 'Names the limit.',
    example: "Storage budget exceeded: this API key's results hold 268500000 bytes (MAX_STORED_BYTES_PER_KEY 268435456); they expire JOB_TTL_SECONDS after their jobs ended",
  })
  error!: string;

  @ApiProperty({ type: 'integer', description: "Bytes the key's unexpired results hold (an upper bound).", example: 268500000 })
  stored_bytes!: number;

  @ApiProperty({ type: 'integer', description: 'The `MAX_STORED_BYTES_PER_KEY` in force.', example: 268435456 })
  max_stored_bytes!: number;
}
