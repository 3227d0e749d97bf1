import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** Body of GET /v1/runtime. Every property is decorated explicitly: ts-jest does not run the Swagger CLI plugin. */

@ApiSchema({ name: 'RuntimePython', description: 'The interpreter user code runs on.' })
export class RuntimePythonDto {
  @ApiProperty({ type: String, example: 'CPython' })
  implementation!: string;

  @ApiProperty({ type: String, example: '3.11.2' })
  version!: string;
}

@ApiSchema({ name: 'RuntimePackage', description: 'One installed distribution.' })
export class RuntimePackageDto {
  @ApiProperty({ type: String, example: 'numpy' })
  name!: string;

  @ApiProperty({ type: String, example: '2.4.6' })
  version!: string;
}

@ApiSchema({ name: 'RuntimeLimitValues', description: 'Values of the limits a request can set (`timeout` and the fields of `limits`).' })
export class RuntimeLimitValuesDto {
  @ApiProperty({ type: 'integer', description: 'Seconds of wall time.', example: 30 })
  timeout!: number;

  @ApiProperty({ type: 'integer', description: 'MiB of memory for the whole run.', example: 256 })
  memory_mb!: number;

  @ApiProperty({ type: 'integer', description: 'Processes and threads.', example: 64 })
  max_processes!: number;

  @ApiProperty({ type: Number, description: 'CPU cores.', example: 1 })
  cpus!: number;

  @ApiProperty({ type: 'integer', description: 'Bytes of stdout, of stderr and of the return value, each.', example: 1048576 })
  max_output_bytes!: number;
}

@ApiSchema({ name: 'RuntimeLimits', description: 'What a request gets by default and the most it may ask for.' })
export class RuntimeLimitsDto {
  @ApiProperty({ type: () => RuntimeLimitValuesDto, description: 'Without `timeout` or `limits` in the request.' })
  default!: RuntimeLimitValuesDto;

  @ApiProperty({ type: () => RuntimeLimitValuesDto, description: 'The caps: asking for more is a 400.' })
  maximum!: RuntimeLimitValuesDto;
}

@ApiSchema({ name: 'RuntimeFiles', description: 'Files in (`files` of the request) and out (`files` of the answer).' })
export class RuntimeFilesDto {
  @ApiProperty({ type: String, description: 'The working directory the files are relative to.', example: '/workspace' })
  working_directory!: string;

  @ApiProperty({ type: 'integer', example: 64 })
  max_input_files!: number;

  @ApiProperty({ type: 'integer', description: 'Decoded bytes of all input files together.', example: 10485760 })
  max_input_files_bytes!: number;

  @ApiProperty({ type: 'integer', example: 64 })
  max_output_files!: number;

  @ApiProperty({ type: 'integer', description: 'Bytes of all output files together (figures included).', example: 10485760 })
  max_output_files_bytes!: number;
}

@ApiSchema({ name: 'RuntimeNetwork', description: 'Whether runs can reach the network.' })
export class RuntimeNetworkDto {
  @ApiProperty({ type: Boolean, description: 'False: runs have no network at all.', example: false })
  egress!: boolean;

  @ApiProperty({ type: [String], description: 'Hosts runs may reach when egress is on.', example: [] })
  allowed_hosts!: string[];
}

@ApiSchema({ name: 'Runtime', description: 'What code runs with here: the Python, its packages, the limits and the files.' })
export class RuntimeDto {
  @ApiProperty({ type: () => RuntimePythonDto })
  python!: RuntimePythonDto;

  @ApiProperty({ type: [RuntimePackageDto], description: 'Every installed distribution, by name.' })
  packages!: RuntimePackageDto[];

  @ApiProperty({ type: () => RuntimeLimitsDto })
  limits!: RuntimeLimitsDto;

  @ApiProperty({ type: () => RuntimeFilesDto })
  files!: RuntimeFilesDto;

  @ApiProperty({ type: () => RuntimeNetworkDto })
  network!: RuntimeNetworkDto;
}
