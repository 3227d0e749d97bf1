/** The limits one run is held to: the service's defaults, or a request's own within the caps. */
export interface RunLimits {
  memoryMb: number;
  /** Processes and threads of the program. */
  maxProcesses: number;
  /** CPU time per wall second (1 = one core). */
  cpus: number;
  /** Cap on stdout, on stderr and on the JSON of the return value, each. */
  maxOutputBytes: number;
}

/** A file in or out of the program's working directory; `content` is base64. */
export interface RunFile {
  path: string;
  content: string;
}

/** What the worker hands to the sandbox for one execution. */
export interface RunRequest {
  code: string;
  /** Standard input; undefined means the program's stdin is closed at once. */
  stdin?: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Written into the working directory before the code runs. */
  files?: RunFile[];
  /** Absent: the sandbox's default limits. */
  limits?: RunLimits;
  /** Reach the egress allowlist through the proxy (only when the operator enabled egress). */
  network?: boolean;
}

/** The output-file cap a run passed: the number of files or their total bytes. */
export type FilesLimit = 'output_files' | 'output_files_bytes';

/** The harness's report of how the user's code ended (see harness/harness.py). */
export type HarnessRecord = (
  | { kind: 'return'; result: unknown }
  | { kind: 'exit' }
  | { kind: 'exception'; type: string; error: string }
  | { kind: 'result_too_large'; bytes: number }
) & {
  /** Regular files the run created or changed in its working directory, then its figures. */
  files: RunFile[];
  filesLimit?: FilesLimit;
  /** The exit status the harness was about to exit with. */
  status?: number;
};

/**
 * Why the run stopped. `exited` covers every end the program reached on its own, signals
 * included; `aborted` means the service stopped it while shutting down.
 */
export type Termination = 'exited' | 'timeout' | 'output_limit' | 'sandbox_error' | 'aborted';

export interface RunOutcome {
  termination: Termination;
  /** The limits the run was held to. */
  limits: RunLimits;
  /** Exit status of the program; null when it died of a signal or never ran. */
  exitCode: number | null;
  /** Signal number that killed the program, when one did. */
  signal: number | null;
  /** The seccomp policy killed the program: it attempted a system call the sandbox forbids. */
  forbiddenOperation?: boolean;
  stdout: string;
  stderr: string;
  /** Null when the program left no record or a corrupt one. */
  record: HarnessRecord | null;
  runTimeMs: number;
  /** The kernel's OOM killer ended a process of the run (any process, not only the first). */
  oomKilled?: boolean;
  /** A fork or thread was refused because the run had reached its process limit. */
  pidsLimitHit?: boolean;
  /** For output_limit: the stream that passed the cap. */
  outputLimitStream?: 'stdout' | 'stderr';
  /** For sandbox_error: what nsjail reported. */
  sandboxError?: string;
}

export interface PythonRunner {
  run(request: RunRequest): Promise<RunOutcome>;
  /** Stops every run in progress (shutdown after the grace period); resolves once they have ended as `aborted`. */
  abortAll(): Promise<void>;
}

export const PYTHON_RUNNER = Symbol('PYTHON_RUNNER');
