import { constants } from 'node:os';
import { RunOutcome } from '../sandbox/python-runner';

/** The limits a run was held to, for the messages that name them. */
export interface RunLimits {
  timeoutSeconds: number;
  memoryMb: number;
  maxOutputBytes: number;
}

/** Status and body of the synchronous answer, before job_id, id and times are added. */
export interface ExecutionResponse {
  status: number;
  body: Record<string, unknown> & { error?: string };
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `signal ${signal}`;
}

export function memoryLimitMessage(memoryMb: number): string {
  return `Memory limit of ${memoryMb} MiB exceeded`;
}

/** Maps how a run ended onto the API contract (DESIGN.md, synchronous responses). */
export function toExecutionResponse(outcome: RunOutcome, limits: RunLimits): ExecutionResponse {
  const { stdout, stderr } = outcome;
  switch (outcome.termination) {
    case 'timeout':
      return { status: 408, body: { error: `Execution timed out after ${limits.timeoutSeconds} seconds`, stdout, stderr } };
    case 'output_limit':
      return {
        status: 400,
        body: {
          error: `Output limit of ${limits.maxOutputBytes} bytes exceeded on ${outcome.outputLimitStream}`,
          stdout,
          stderr,
          exit_code: null,
        },
      };
    case 'sandbox_error':
      return { status: 500, body: { error: 'The sandbox failed to run the program' } };
  }
  const { record, exitCode, signal } = outcome;
  if (signal !== null) {
    // SIGKILL that the runner did not send comes from the kernel's OOM killer: RLIMIT_CPU is
    // set above anything the wall-clock deadline allows.
    const error = signal === constants.signals.SIGKILL ? memoryLimitMessage(limits.memoryMb) : `Process killed by ${signalName(signal)}`;
    return { status: 400, body: { error, stdout, stderr, exit_code: 128 + signal } };
  }
  if (exitCode === 0) {
    if (record?.kind === 'return') return { status: 200, body: { result: record.result, stdout, stderr, exit_code: 0 } };
    if (record?.kind === 'exit') return { status: 200, body: { result: null, stdout, stderr, exit_code: 0 } };
    return { status: 500, body: { error: 'Failed to parse execution result', stdout, stderr, exit_code: 0 } };
  }
  return { status: 400, body: { error: failureMessage(outcome, limits), stdout, stderr, exit_code: exitCode } };
}

function failureMessage({ record, exitCode }: RunOutcome, limits: RunLimits): string {
  if (record?.kind === 'exception') {
    return record.type === 'MemoryError' ? memoryLimitMessage(limits.memoryMb) : record.error;
  }
  if (record?.kind === 'result_too_large') {
    return `Return value of ${record.bytes} bytes exceeds the limit of ${limits.maxOutputBytes} bytes`;
  }
  return `Process exited with code ${exitCode}`;
}
