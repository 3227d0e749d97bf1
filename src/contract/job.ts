import type { RunFile, RunLimits } from '../sandbox/python-runner';

export type { RunFile, RunLimits };
import type { Answer } from './answer';

/** What a job carries from the API to a worker. */
export interface ExecutionJobData {
  code: string;
  timeout: number;
  stdin?: string;
  env: { name: string; value: string }[];
  /** Written into the working directory before the run (content base64). */
  files?: RunFile[];
  /** The limits the request asked for, within the caps; absent: the sandbox's defaults. */
  limits?: RunLimits;
  /** The run may reach the egress allowlist (checked against the server's egress at submission). */
  network?: true;
  id?: string;
  webhookUrl?: string;
  /** Fingerprint of the API key that submitted the job (never the key itself). */
  owner: string;
  /** The name of that key, for logs and the executions counter (absent in jobs of older versions). */
  keyName?: string;
  /** The HTTP request that submitted the job, to tie log lines together. */
  requestId?: string;
  /** W3C traceparent of the span that queued the job, so that the worker continues the trace. */
  traceparent?: string;
}

/** Seconds, 3 decimals, as the contract gives every time. */
export interface JobTiming {
  run_time: number;
  queue_time: number;
  total_time: number;
}

/** A job's return value, kept in Redis: the answer the synchronous call gives, with its times. */
export interface JobResult extends Answer {
  timing: JobTiming;
}

export const seconds = (ms: number): number => Math.round(ms) / 1000;
