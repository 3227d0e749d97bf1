import { constants } from 'node:os';
import { ErrorBody } from '../common/api-error';
import type { HarnessRecord, RunOutcome } from '../sandbox/python-runner';
import { cutToJsonBytes, filesBound, jsonBytes, jsonTextBytes } from './answer-size';
import { base64Bytes } from './input-files';
import { mimeTypeOf } from './mime-types';

/** The limits beyond the run's own (`outcome.limits`) that the messages name. */
export interface StatedLimits {
  timeoutSeconds: number;
  maxOutputFiles: number;
  maxOutputFilesBytes: number;
}

/** A file of the answer's `files`. */
export interface OutputFile {
  path: string;
  size: number;
  mime_type: string;
  content: string;
}

function outputFiles(record: HarnessRecord | null): OutputFile[] {
  return (record?.files ?? []).map(({ path, content }) => ({ path, size: base64Bytes(content), mime_type: mimeTypeOf(path), content }));
}

/** How a run ended, in the few kinds the metrics count. */
export type AnswerKind = 'ok' | 'error' | 'timeout' | 'limit' | 'sandbox_error';

/**
 * The answer to an execution: the HTTP status and body the synchronous call gives (the webhook
 * and job status carry the same), before job_id, id and times are added.
 */
export interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: string };
  kind: AnswerKind;
}

/** An answer that is an error: its body has the one error shape. */
function errorAnswer(status: number, kind: AnswerKind, body: ErrorBody): Answer {
  return { status, kind, body };
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `signal ${signal}`;
}

export function memoryLimitMessage(memoryMb: number): string {
  return `Memory limit of ${memoryMb} MiB exceeded`;
}

export const FORBIDDEN_OPERATION_MESSAGE = 'Forbidden operation attempted: the sandbox does not allow this system call';

/**
 * Maps how a run ended onto the API contract (docs/api.md, synchronous responses). Every part
 * the program controls is capped as the answer holds it, in JSON bytes (`answer-size.ts`): a
 * stream past `maxOutputBytes` is the output limit (also when the sandbox, which counts raw
 * bytes, let it through), a return value past it is too large, files past `filesBound` are the
 * files limit, and an exception's message is cut, saying so.
 */
export function answerOf(run: RunOutcome, limits: StatedLimits): Answer {
  switch (run.termination) {
    case 'sandbox_error':
      return errorAnswer(500, 'sandbox_error', { error: 'The sandbox failed to run the program' });
    case 'aborted':
      return errorAnswer(500, 'sandbox_error', { error: 'The worker shut down before the run finished' });
  }
  const cap = run.limits.maxOutputBytes;
  const stdout = cutToJsonBytes(run.stdout, cap);
  const stderr = cutToJsonBytes(run.stderr, cap);
  const overStream = run.termination === 'output_limit' ? (run.outputLimitStream ?? 'stdout') : stdout !== run.stdout ? 'stdout' : stderr !== run.stderr ? 'stderr' : undefined;
  if (overStream) {
    return errorAnswer(400, 'limit', { error: `Output limit of ${cap} bytes exceeded on ${overStream}`, stdout, stderr, exit_code: null, files: [] });
  }
  if (run.termination === 'timeout') {
    return errorAnswer(408, 'timeout', { error: `Execution timed out after ${limits.timeoutSeconds} seconds`, stdout, stderr });
  }
  const outcome = withReturnValueMeasured(run);
  const { exitCode, signal, record } = outcome;
  const exit_code = signal !== null ? 128 + signal : exitCode;
  const allFiles = outputFiles(record);
  const filesTooLarge = jsonBytes(allFiles) > filesBound(limits);
  const files = filesTooLarge ? [] : allFiles;
  const limitHit = limitMessage(outcome, limits, filesTooLarge);
  if (limitHit) return errorAnswer(400, 'limit', { error: limitHit, stdout, stderr, exit_code, files });
  if (signal !== null) return errorAnswer(400, 'error', { error: `Process killed by ${signalName(signal)}`, stdout, stderr, exit_code, files });
  if (exitCode === 0) {
    if (record?.kind === 'return') return { status: 200, kind: 'ok', body: { result: record.result, stdout, stderr, exit_code: 0, files } };
    if (record?.kind === 'exit') return { status: 200, kind: 'ok', body: { result: null, stdout, stderr, exit_code: 0, files } };
    return errorAnswer(500, 'error', { error: 'Failed to parse execution result', stdout, stderr, exit_code: 0 });
  }
  return errorAnswer(400, 'error', { error: failureMessage(outcome), stdout, stderr, exit_code, files });
}

/**
 * A return value whose JSON in the answer passes the cap is too large, as the harness reports one
 * whose own JSON does (exit status 1): re-encoded, a value can grow (1e+20 becomes 100000000000000000000).
 */
function withReturnValueMeasured(outcome: RunOutcome): RunOutcome {
  const { record } = outcome;
  if (record?.kind !== 'return' || outcome.exitCode !== 0) return outcome;
  const bytes = jsonBytes(record.result);
  if (bytes <= outcome.limits.maxOutputBytes) return outcome;
  const { files, filesLimit } = record;
  return { ...outcome, exitCode: 1, record: { kind: 'result_too_large', bytes, files, ...(filesLimit && { filesLimit }) } };
}

const TRUNCATED = ' [truncated]';

/** An exception's message, cut to the cap in JSON bytes, marked when cut. */
function cutMessage(message: string, cap: number): string {
  return jsonTextBytes(message) <= cap ? message : cutToJsonBytes(message, cap - TRUNCATED.length) + TRUNCATED;
}

/**
 * The limit that ended or broke the run, if one did. Memory counts whenever any process of
 * the run was OOM-killed (a child's kill does not show in the exit status) or Python ran out
 * of address space; the process limit counts when it refused a fork and the run then failed.
 */
function limitMessage(outcome: RunOutcome, limits: StatedLimits, filesTooLarge: boolean): string | null {
  const { record, signal, exitCode } = outcome;
  if (outcome.oomKilled || (record?.kind === 'exception' && record.type === 'MemoryError')) {
    return memoryLimitMessage(outcome.limits.memoryMb);
  }
  if (outcome.forbiddenOperation) return FORBIDDEN_OPERATION_MESSAGE;
  if (outcome.pidsLimitHit && (signal !== null || exitCode !== 0)) return `Process limit of ${outcome.limits.maxProcesses} exceeded`;
  if (record?.filesLimit === 'output_files') return `Output files limit of ${limits.maxOutputFiles} files exceeded (MAX_OUTPUT_FILES)`;
  if (record?.filesLimit === 'output_files_bytes' || filesTooLarge) return `Output files limit of ${limits.maxOutputFilesBytes} bytes exceeded (MAX_OUTPUT_FILES_BYTES)`;
  return null;
}

function failureMessage({ record, exitCode, limits }: RunOutcome): string {
  if (record?.kind === 'exception') return cutMessage(record.error, limits.maxOutputBytes);
  if (record?.kind === 'result_too_large') {
    return `Return value of ${record.bytes} bytes exceeds the limit of ${limits.maxOutputBytes} bytes`;
  }
  return `Process exited with code ${exitCode}`;
}

/** The answer for a job the worker itself failed (shutdown cut it off, it stalled twice, ...). */
export function failedJobAnswer(jobId: string, reason: string, id?: string): Answer {
  return errorAnswer(500, 'sandbox_error', { error: `The job failed: ${reason}`, job_id: jobId, ...(id !== undefined && { id }) });
}
