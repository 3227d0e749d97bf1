import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { toExecutionResponse } from '../execution/execution-outcome';
import { PYTHON_RUNNER, PythonRunner } from '../sandbox/python-runner';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { EXECUTION_QUEUE, ExecutionJobData, ExecutionResult } from './execution-job';

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The consumer: runs each job in the sandbox and hands async results to the webhooks. */
@Injectable()
export class ExecutionProcessor implements OnModuleInit {
  private readonly logger = new Logger(ExecutionProcessor.name);

  constructor(
    @InjectQueue(EXECUTION_QUEUE) private readonly queue: Queue,
    @Inject(PYTHON_RUNNER) private readonly runner: PythonRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'api') return;
    this.queue
      .process(this.config.workerConcurrency, (job: Job<ExecutionJobData>) => this.handle(job))
      .catch((error: Error) => this.logger.error(`queue processing stopped: ${error.message}`));
  }

  async handle(job: Job<ExecutionJobData>): Promise<ExecutionResult> {
    const { data } = job;
    const startedAt = Date.now();
    const outcome = await this.runner.run({
      code: data.code,
      stdin: data.stdin,
      env: Object.fromEntries(data.env.map(({ name, value }) => [name, value])),
      timeoutSeconds: data.timeout,
    });
    if (outcome.termination === 'sandbox_error') {
      this.logger.error(`job ${job.id}: sandbox failure: ${outcome.sandboxError}`);
    }
    const response = toExecutionResponse(outcome, {
      timeoutSeconds: data.timeout,
      memoryMb: this.config.sandboxMemoryMb,
      maxPids: this.config.sandboxMaxPids,
      maxOutputBytes: this.config.maxOutputBytes,
    });
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
    const result: ExecutionResult = { status: response.status, body, timing };
    if (data.webhookUrl) await this.webhooks.dispatch(String(job.id), data, result);
    return result;
  }
}
