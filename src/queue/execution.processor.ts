import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TIMED_OUT, within } from '../common/deadline';
import { toExecutionResponse } from '../execution/execution-outcome';
import { Metrics } from '../metrics/metrics.service';
import { PYTHON_RUNNER, PythonRunner } from '../sandbox/python-runner';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { EXECUTION_QUEUE, ExecutionJobData, ExecutionResult } from './execution-job';

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The consumer: runs each job in the sandbox and hands async results to the webhooks. */
@Injectable()
export class ExecutionProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionProcessor.name);

  constructor(
    @InjectQueue(EXECUTION_QUEUE) private readonly queue: Queue,
    @Inject(PYTHON_RUNNER) private readonly runner: PythonRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookDispatcher,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
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
      this.runner.abortAll();
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
      memoryMb: this.config.sandboxMemoryMb,
      maxPids: this.config.sandboxMaxPids,
      maxOutputBytes: this.config.maxOutputBytes,
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
