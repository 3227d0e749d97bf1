import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { TIMED_OUT, within } from '../common/deadline';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Answer, answerOf, failedJobAnswer } from '../contract/answer';
import { ExecutionJobData, JobResult, JobTiming, seconds } from '../contract/job';
import { Metrics } from '../metrics/metrics.service';
import { PYTHON_RUNNER, PythonRunner, RunOutcome } from '../sandbox/python-runner';
import { contextOf, inSpan, recordSpan, setSpanError, SpanKind } from '../tracing/spans';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { EXECUTION_QUEUE, InjectExecutionQueue } from './execution-queue';
import { JobWaiter } from './job-waiter';
import { ResultStorage, StoredResultRef } from './result-storage';

/** The consumer: runs each job in the sandbox, stores its answer and hands async ones to the webhooks. */
@Injectable()
export class ExecutionProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionProcessor.name);
  /** Webhooks of failed jobs being queued, for shutdown to wait on. */
  private readonly failureDispatches = new Set<Promise<void>>();

  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    @Inject(PYTHON_RUNNER) private readonly runner: PythonRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookDispatcher,
    private readonly metrics: Metrics,
    private readonly storage: ResultStorage,
    private readonly waiter: JobWaiter,
  ) {}

  onModuleInit(): void {
    this.queue.on('completed', (job: Job<ExecutionJobData>) => this.expire(job));
    this.queue.on('failed', (job: Job<ExecutionJobData>, error: Error) => {
      this.expire(job);
      const dispatch = this.onFailed(job, error).finally(() => this.failureDispatches.delete(dispatch));
      this.failureDispatches.add(dispatch);
    });
    this.queue
      .process(this.config.workerConcurrency, (job: Job<ExecutionJobData>) => this.handle(job))
      .catch((error: Error) => this.logger.error(`queue processing stopped: ${error.message}`));
  }

  /**
   * SIGTERM: take no new job, let running ones finish for SHUTDOWN_GRACE_SECONDS, then stop
   * them; a stopped job fails with a clear error (its client is answered, nothing is lost silently).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const drained = await within(this.queue.pause(true, false), this.config.shutdownGraceSeconds * 1000);
    if (drained === TIMED_OUT) {
      this.logger.warn(`jobs still running after ${this.config.shutdownGraceSeconds} s of grace: stopping them`);
      await this.runner.abortAll();
      // Let Bull record the stopped jobs as failed, and their webhooks be queued, before queues close.
      await within(this.queue.whenCurrentJobsFinished(), 10_000);
      await Promise.all(this.failureDispatches);
    }
  }

  /** A job the worker failed for good still reaches its webhook, with a 500 answer and the reason. */
  private async onFailed(job: Job<ExecutionJobData>, error: Error): Promise<void> {
    if (!job.data.webhookUrl || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const jobId = String(job.id);
    const timing = { run_time: 0, queue_time: seconds((job.processedOn ?? Date.now()) - job.timestamp), total_time: seconds(Date.now() - job.timestamp) };
    try {
      await this.webhooks.dispatch(jobId, job.data, { ...failedJobAnswer(jobId, error.message, job.data.id), timing });
    } catch (dispatchError) {
      this.logger.error({ jobId, reason: (dispatchError as Error).message }, 'could not queue the webhook of a failed job');
    }
  }

  /**
   * Runs a job in the trace of the request that queued it (the traceparent in its data): a
   * `queue wait` span from the add to now, then the `job` span (CONSUMER) holding the `sandbox run`
   * and the webhook's dispatch.
   */
  handle(job: Job<ExecutionJobData>): Promise<StoredResultRef> {
    const startedAt = Date.now();
    const parent = contextOf(job.data.traceparent);
    const jobId = String(job.id);
    recordSpan('queue wait', job.timestamp, startedAt, { parent, attributes: { 'pyexec.job_id': jobId } });
    const attributes = {
      'messaging.system': 'bull',
      'messaging.destination.name': EXECUTION_QUEUE,
      'messaging.message.id': jobId,
      'pyexec.job_id': jobId,
      ...(job.data.keyName && { 'pyexec.api_key.name': job.data.keyName }),
      ...(job.data.requestId && { 'pyexec.request_id': job.data.requestId }),
    };
    return inSpan('job', { kind: SpanKind.CONSUMER, parent, attributes, startTime: startedAt }, async (span) => {
      const result = await this.handleNow(job, startedAt);
      span.setAttributes({ 'pyexec.outcome': result.kind, 'pyexec.status': result.status });
      return result;
    });
  }

  private async handleNow(job: Job<ExecutionJobData>, startedAt: number): Promise<StoredResultRef> {
    this.metrics.queueWait.observe((startedAt - job.timestamp) / 1000);
    const outcome = await inSpan('sandbox run', { attributes: { 'pyexec.timeout_seconds': job.data.timeout } }, async (span) => {
      const ran = await this.run(job);
      if (ran.termination === 'sandbox_error') setSpanError(span, ran.sandboxError ?? 'sandbox error');
      span.setAttributes({ 'pyexec.termination': ran.termination, 'pyexec.run_time_ms': ran.runTimeMs, ...(ran.exitCode != null && { 'pyexec.exit_code': ran.exitCode }) });
      return ran;
    });
    const answer = answerOf(outcome, {
      timeoutSeconds: job.data.timeout,
      maxOutputFiles: this.config.maxOutputFiles,
      maxOutputFilesBytes: this.config.maxOutputFilesBytes,
    });
    const timing = { run_time: seconds(outcome.runTimeMs), queue_time: seconds(startedAt - job.timestamp), total_time: seconds(Date.now() - job.timestamp) };
    const result = this.result(job, answer, timing);
    // Stored before the webhook is queued, so a delivery never carries an answer the job lacks.
    const stored = await this.storage.save(String(job.id), job.data, result);
    this.waiter.stored(String(job.id), result);
    if (job.data.webhookUrl) {
      const copy = await this.webhooks.dispatch(String(job.id), job.data, result);
      await this.storage.countCopy(job.data, copy).catch((error: Error) => this.logger.warn({ jobId: job.id, reason: error.message }, 'could not count the webhook copy of a result'));
    }
    this.record(job, outcome, answer, timing);
    return stored;
  }

  /** A finished job is kept JOB_TTL_SECONDS from now (Bull alone removes it only when a later job finishes). */
  private expire(job: Job<ExecutionJobData>): void {
    this.storage.expire(String(job.id)).catch((error: Error) => this.logger.warn({ jobId: job.id, reason: error.message }, 'could not set the expiry of a finished job'));
  }

  /** Runs the job's program; a run the shutdown stopped fails the job instead of answering it. */
  private async run(job: Job<ExecutionJobData>): Promise<RunOutcome> {
    const { data } = job;
    const outcome = await this.runner.run({
      code: data.code,
      stdin: data.stdin,
      env: Object.fromEntries(data.env.map(({ name, value }) => [name, value])),
      timeoutSeconds: data.timeout,
      files: data.files,
      limits: data.limits,
      network: data.network,
    });
    if (outcome.termination === 'aborted') {
      this.logger.warn({ jobId: job.id, requestId: data.requestId, outcome: 'aborted' }, 'job stopped by shutdown');
      throw new Error(`the worker shut down before the run finished (SHUTDOWN_GRACE_SECONDS=${this.config.shutdownGraceSeconds})`);
    }
    return outcome;
  }

  /** The job's stored result: the answer with job_id, the echoed id and, for a 200, the times. */
  private result(job: Job<ExecutionJobData>, answer: Answer, timing: JobTiming): JobResult {
    const body = {
      ...answer.body,
      job_id: String(job.id),
      ...(job.data.id !== undefined && { id: job.data.id }),
      ...(answer.status === 200 && timing),
    };
    return { ...answer, body, timing };
  }

  /** Metrics and the job's log line. */
  private record(job: Job<ExecutionJobData>, outcome: RunOutcome, answer: Answer, timing: JobTiming): void {
    const ids = { jobId: job.id, requestId: job.data.requestId, keyName: job.data.keyName };
    if (outcome.termination === 'sandbox_error') {
      this.metrics.sandboxFailures.inc();
      this.logger.error({ ...ids, reason: outcome.sandboxError }, 'sandbox failure');
    }
    this.metrics.runDuration.observe(outcome.runTimeMs / 1000);
    this.metrics.countExecution(answer.kind, job.data.keyName);
    this.logger.log({ ...ids, outcome: answer.kind, status: answer.status, ...timing }, 'job finished');
  }
}
