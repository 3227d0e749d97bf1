import { ApiProperty, ApiPropertyOptional, ApiSchema, ApiSchemaOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IsOmittable } from '../../common/optional';
import { DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS } from '../../config/app-config';
import { filePathProblem, filePathsProblem, MAX_FILE_PATH_BYTES, MAX_INPUT_FILES } from '../../contract/input-files';

export const MAX_CODE_BYTES = 1024 * 1024;
export const MAX_STDIN_BYTES = 1024 * 1024;
export const MAX_ENV_VARS = 64;

/** A string of at most `max` bytes once UTF-8 encoded. */
function MaxBytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxBytes',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: (args) => `${args?.property} must be at most ${max} bytes`,
      },
    },
    options,
  );
}

/**
 * Schema options of a body whose unknown fields are rejected (the ValidationPipe forbids them):
 * `additionalProperties: false`, which @nestjs/swagger copies into the schema as it is.
 */
function closed(options: ApiSchemaOptions): ApiSchemaOptions {
  return { ...options, additionalProperties: false } as ApiSchemaOptions;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Well-formed UTF-16 (no lone surrogate halves): an environment variable holds bytes of UTF-8. */
function IsWellFormed(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWellFormed',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !LONE_SURROGATE.test(value),
        defaultMessage: (args) => `${args?.property} must not contain lone surrogate characters`,
      },
    },
    options,
  );
}

/** No NUL characters: they cannot be part of an environment variable. */
const NO_NUL = /^[^\0]*$/;

@ApiSchema(closed({ name: 'EnvVar', description: 'One environment variable of the program.' }))
export class EnvVarDto {
  @ApiProperty({
    type: String,
    description: 'Variable name: a letter or `_`, then letters, digits or `_`; at most 256 characters.',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    maxLength: 256,
    example: 'GREETING',
  })
  @IsString()
  @MaxLength(256)
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'env name must match [A-Za-z_][A-Za-z0-9_]*' })
  name!: string;

  @ApiProperty({ type: String, description: 'Variable value: any string without NUL characters, at most 1 MiB.', example: 'hello' })
  @IsString()
  @MaxBytes(MAX_STDIN_BYTES)
  @Matches(NO_NUL, { message: 'env value must not contain NUL characters' })
  @IsWellFormed()
  value!: string;
}

/** A path the rules of input files accept (see input-files.ts); the message names the rule broken. */
function IsInputFilePath(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInputFilePath',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && filePathProblem(value) === null,
        defaultMessage: (args) => `files path ${JSON.stringify(args?.value)}: ${filePathProblem(String(args?.value))}`,
      },
    },
    options,
  );
}

/** No path twice, and no path inside another file. */
function HasDistinctPaths(options?: ValidationOptions): PropertyDecorator {
  const paths = (value: unknown) =>
    Array.isArray(value) ? value.map((file) => (file as { path?: unknown })?.path).filter((p): p is string => typeof p === 'string') : [];
  return ValidateBy(
    {
      name: 'hasDistinctPaths',
      validator: {
        validate: (value: unknown) => filePathsProblem(paths(value)) === null,
        defaultMessage: (args) => `files: ${filePathsProblem(paths(args?.value))}`,
      },
    },
    options,
  );
}

/**
 * The rules of filePathProblem (contract/input-files.ts) that a regular expression can say, for
 * the OpenAPI document: segments separated by single slashes, none empty, `.` or `..`, no NUL
 * (so not absolute, no trailing slash). Without lookarounds, so every generator handles it.
 */
const FILE_PATH_SEGMENT = '(?:[^/\\x00.][^/\\x00]*|\\.[^/\\x00.][^/\\x00]*|\\.\\.[^/\\x00]+)';
const FILE_PATH_PATTERN = `^${FILE_PATH_SEGMENT}(?:/${FILE_PATH_SEGMENT})*$`;

@ApiSchema(closed({ name: 'InputFile', description: 'A file written into the working directory before the code runs.' }))
export class InputFileDto {
  @ApiProperty({
    type: String,
    description: `Path relative to the working directory: not absolute, no \`..\` (nor \`.\` or empty) segment, no NUL, at most ${MAX_FILE_PATH_BYTES} bytes. Folders are created as needed.`,
    minLength: 1,
    maxLength: MAX_FILE_PATH_BYTES,
    pattern: FILE_PATH_PATTERN,
    example: 'data/sales.csv',
  })
  @IsInputFilePath()
  path!: string;

  @ApiProperty({
    type: String,
    format: 'byte',
    description: 'The file\'s bytes, base64 (standard alphabet, with padding). All files together at most `MAX_INPUT_FILES_BYTES` decoded (default 10 MiB).',
    example: 'cmVnaW9uLGFtb3VudApub3J0aCwxMApzb3V0aCwzMgpub3J0aCw1Cg==',
  })
  @IsString()
  @IsBase64(undefined, { message: 'files content must be base64' })
  content!: string;
}

@ApiSchema(
  closed({
    name: 'RunLimits',
    description:
      "Limits of this run, each optional: omitted ones get the server's defaults. Each may be at most the server's cap (400 naming the cap otherwise); `GET /v1/runtime` lists defaults and caps.",
  }),
)
export class RunLimitsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 16, description: 'Memory of the whole run in MiB (default `SANDBOX_MEMORY_MB`, cap `SANDBOX_MEMORY_MB_CAP`).', example: 512 })
  @IsOmittable()
  @IsInt()
  @Min(16)
  memory_mb?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Processes and threads (default `SANDBOX_MAX_PIDS`, cap `SANDBOX_MAX_PIDS_CAP`).', example: 64 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  max_processes?: number;

  @ApiPropertyOptional({
    type: Number,
    minimum: 0.01,
    description: 'CPU time per wall second, in cores, 2 decimals at most (default `SANDBOX_CPUS`, cap `SANDBOX_CPUS_CAP`); thread pools of numeric libraries are sized to it.',
    example: 1,
  })
  @IsOmittable()
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0.01)
  cpus?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1024,
    description: 'Cap on stdout, on stderr and on the return value (or the exception\'s message), each, in the bytes of their JSON in the answer (default `MAX_OUTPUT_BYTES`, cap `MAX_OUTPUT_BYTES_CAP`).',
    example: 1048576,
  })
  @IsOmittable()
  @IsInt()
  @Min(1024)
  max_output_bytes?: number;
}

@ApiSchema(closed({ name: 'ExecuteRequest', description: 'Python code to run, and how. Unknown fields are rejected (400).' }))
export class ExecuteRequestDto {
  @ApiProperty({
    type: String,
    description:
      'Python 3 source, required, 1 byte to 1 MiB (UTF-8). It runs as the body of a function: a top-level `return` sets `result`; tracebacks name the file `<code>` with the line numbers as written.',
    minLength: 1,
    example: "print('Hello, World!')",
  })
  @IsString()
  @IsNotEmpty()
  @MaxBytes(MAX_CODE_BYTES)
  code!: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Wall-clock limit in seconds, an integer from 1 to 300; default 30. At the deadline the whole process tree is killed and the call answers 408.',
    minimum: 1,
    maximum: MAX_TIMEOUT_SECONDS,
    default: DEFAULT_TIMEOUT_SECONDS,
    example: 10,
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_TIMEOUT_SECONDS)
  timeout?: number;

  @ApiPropertyOptional({
    type: String,
    format: 'uri',
    maxLength: 2048,
    description:
      'Optional absolute http or https URL. When given, the call answers 202 at once and the result is POSTed to this URL when the job ends. Hosts that are or resolve to loopback, private, link-local or metadata addresses are refused (400) unless the server sets `WEBHOOK_ALLOW_PRIVATE_HOSTS`.',
    example: 'https://example.com/webhook',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true },
    { message: 'webhook_url must be an absolute http or https URL' },
  )
  webhook_url?: string;

  @ApiPropertyOptional({
    type: String,
    description: 'Optional identifier of your own, at most 256 characters, echoed back in the answer, the job and the webhook.',
    maxLength: 256,
    example: 'request-123',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(256)
  id?: string;

  @ApiPropertyOptional({
    description:
      'Optional environment variables for the program, at most 64. The program sees only these plus `PATH`, `HOME` and `LANG`: nothing of the server\'s environment.',
    type: [EnvVarDto],
    maxItems: MAX_ENV_VARS,
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_ENV_VARS)
  // ValidateNested alone would accept arrays as items (it validates an array's elements instead).
  @IsObject({ each: true, message: 'each item of env must be an object {name, value}' })
  @ValidateNested({ each: true })
  @Type(() => EnvVarDto)
  env?: EnvVarDto[];

  @ApiPropertyOptional({
    type: String,
    description: "Optional standard input of the program, at most 1 MiB. Without it stdin is empty (`input()` raises `EOFError` at once).",
    example: 'Ada\n',
  })
  @IsOmittable()
  @IsString()
  @MaxBytes(MAX_STDIN_BYTES)
  stdin?: string;

  @ApiPropertyOptional({
    description: `Optional files written into the program's working directory before it runs, at most ${MAX_INPUT_FILES}, at most \`MAX_INPUT_FILES_BYTES\` decoded in all (default 10 MiB). Files the program creates or changes there come back in the answer's \`files\`.`,
    type: [InputFileDto],
    maxItems: MAX_INPUT_FILES,
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_INPUT_FILES)
  @HasDistinctPaths()
  @IsObject({ each: true, message: 'each item of files must be an object {path, content}' })
  @ValidateNested({ each: true })
  @Type(() => InputFileDto)
  files?: InputFileDto[];

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'Optional: `true` lets the program reach the hosts the operator allows (`EGRESS_ALLOWED_HOSTS`) over HTTP and HTTPS, through the egress proxy (`HTTP_PROXY`/`HTTPS_PROXY` are set; requests, httpx and urllib use them). 400 when the server has egress off. Without it the program has no network.',
    example: false,
  })
  @IsOmittable()
  @IsBoolean()
  network?: boolean;

  @ApiPropertyOptional({ type: () => RunLimitsDto })
  @IsOmittable()
  @IsObject({ message: 'limits must be an object' })
  @ValidateNested()
  @Type(() => RunLimitsDto)
  limits?: RunLimitsDto;
}
