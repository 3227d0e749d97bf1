import { ApiProperty, ApiPropertyOptional, ApiSchema, ApiSchemaOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
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

export const MAX_CODE_BYTES = 1024 * 1024;
export const MAX_STDIN_BYTES = 1024 * 1024;
export const MAX_ENV_VARS = 64;
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 300;

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
  @IsOptional()
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
  @IsOptional()
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
  @IsOptional()
  @IsString()
  @MaxLength(256)
  id?: string;

  @ApiPropertyOptional({
    description:
      'Optional environment variables for the program, at most 64. The program sees only these plus `PATH`, `HOME` and `LANG`: nothing of the server\'s environment.',
    type: [EnvVarDto],
    maxItems: MAX_ENV_VARS,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENV_VARS)
  @ValidateNested({ each: true })
  @Type(() => EnvVarDto)
  env?: EnvVarDto[];

  @ApiPropertyOptional({
    type: String,
    description: "Optional standard input of the program, at most 1 MiB. Without it stdin is empty (`input()` raises `EOFError` at once).",
    example: 'Ada\n',
  })
  @IsOptional()
  @IsString()
  @MaxBytes(MAX_STDIN_BYTES)
  stdin?: string;
}
