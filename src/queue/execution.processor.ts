import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TIMED_OUT, within } from '../common/deadline';
import { failedJobResponse, toExecutionResponse } from '../execution/execution-outcome';
import { Metrics } from '../metrics/metrics.service';
import { PYTHON_RUNNER, PythonRunner } from '../sandbox/python-runner';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { EXECUTION_QUEUE, ExecutionJobData, ExecutionResult } from './execution-job';

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The consumer: runs each job in the sandbox and hands async results to the webhooks. */
@Injectable()
export class ExecutionProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionProcessor.name);
  /** Webhooks of failed jobs being queued, for shutdown to wait on. */
  private readonly failureDispatches = new Set<Promise<void>>();

  constructor(
    @InjectQueue(EXECUTION_QUEUE) private readonly queue: Queue,
    @Inject(PYTHON_RUNNER) private readonly runner: PythonRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookDispatcher,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.queue.on('failed', (job: Job<ExecutionJobData>, error: Error) => {
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
    const response = failedJobResponse(jobId, error.message, job.data.id);
    const total = seconds(Date.now() - job.timestamp);
    const timing = { run_time: 0, queue_time: seconds((job.processedOn ?? Date.now()) - job.timestamp), total_time: total };
    try {
      await this.webhooks.dispatch(jobId, job.data, { ...response, timing });
    } catch (dispatchError) {
      this.logger.error({ jobId, reason: (dispatchError as Error).message }, 'could not queue the webhook of a failed job');
    }
  }

  async handle(job: Job<ExecutionJobData>): Promise<ExecutionResult> {
    const { data } = job;
    const startedAt = Date.now();
    this.metrics.queueWait.observe((startedAt - job.timestamp) / 1000);
    const outcome = await this.runner.run({
      code: data.code,
      stdin: data.stdin,
      env: Object.fromEntries(data.env.map(({ name, value }) => [name, value])),
      timeoutSeconds: data.timeout,
      files: data.files,
      limits: data.limits,
    });
    if (outcome.termination === 'aborted') {
      this.logger.warn({ jobId: job.id, requestId: data.requestId, outcome: 'aborted' }, 'job stopped by shutdown');
      throw new Error(`the worker shut down before the run finished (SHUTDOWN_GRACE_SECONDS=${this.config.shutdownGraceSeconds})`);
    }
    if (outcome.termination === 'sandbox_error') {
      this.metrics.sandboxFailures.inc();
      this.logger.error({ jobId: job.id, requestId: data.requestId, reason: outcome.sandboxError }, 'sandbox failure');
    }
    this.metrics.runDuration.observe(outcome.runTimeMs / 1000);
    const response = toExecutionResponse(outcome, {
      timeoutSeconds: data.timeout,
      maxOutputFiles: this.config.maxOutputFiles,
      maxOutputFilesBytes: this.config.maxOutputFilesBytes,
    });
    this.metrics.executions.inc({ outcome: response.outcome });
    const timing = {
      run_time: seconds(outcome.runTimeMs),
      queue_time: seconds(startedAt - job.timestamp),
      total_time: seconds(Date.now() - job.timestamp),
    };
    const body = {
      ...response.body,
      job_id: String(job.id),
      ...(data.id !== undefined && { id: data.id }),
      ...(response.status === 200 && timing),
    };
    const result: ExecutionResult = { status: response.status, outcome: response.outcome, body, timing };
    if (data.webhookUrl) await this.webhooks.dispatch(String(job.id), data, result);
    this.logger.log(
      { jobId: job.id, requestId: data.requestId, outcome: response.outcome, status: response.status, ...timing },
      'job finished',
    );
    return result;
  }
}
