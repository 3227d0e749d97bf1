import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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

/** No NUL characters: they cannot be part of an environment variable. */
const NO_NUL = /^[^\0]*$/;

export class EnvVarDto {
  @ApiProperty({ description: 'Variable name', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', example: 'GREETING' })
  @IsString()
  @MaxLength(256)
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'env name must match [A-Za-z_][A-Za-z0-9_]*' })
  name!: string;

  @ApiProperty({ description: 'Variable value (no NUL characters)', example: 'hello' })
  @IsString()
  @MaxBytes(MAX_STDIN_BYTES)
  @Matches(NO_NUL, { message: 'env value must not contain NUL characters' })
  value!: string;
}

export class ExecuteRequestDto {
  @ApiProperty({
    description:
      'Python 3 source, run as the body of a function: a top-level `return` sets `result`. 1 byte to 1 MiB.',
    example: "print('Hello, World!')",
  })
  @IsString()
  @IsNotEmpty()
  @MaxBytes(MAX_CODE_BYTES)
  code!: string;

  @ApiPropertyOptional({
    description: 'Wall-clock limit in seconds (integer).',
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
    description: 'When given, the call answers 202 at once and the result is POSTed to this http(s) URL.',
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

  @ApiPropertyOptional({ description: 'Your identifier for the request, echoed back.', maxLength: 256, example: 'request-123' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  id?: string;

  @ApiPropertyOptional({
    description: 'Environment variables for the program (at most 64). The service adds PATH, HOME and LANG.',
    type: [EnvVarDto],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ENV_VARS)
  @ValidateNested({ each: true })
  @Type(() => EnvVarDto)
  env?: EnvVarDto[];

  @ApiPropertyOptional({
    description: "The program's standard input, at most 1 MiB. When absent, stdin is empty (input() raises EOFError).",
    example: 'Ada\n',
  })
  @IsOptional()
  @IsString()
  @MaxBytes(MAX_STDIN_BYTES)
  stdin?: string;
}
