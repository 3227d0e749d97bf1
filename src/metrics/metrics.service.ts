import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ExecutionOutcome = 'ok' | 'error' | 'timeout' | 'limit' | 'rejected' | 'sandbox_error';
export type WebhookResult = 'delivered' | 'retry' | 'failed';

/** The service's Prometheus metrics; each process exposes its own at GET /metrics. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly executions = new Counter({
    name: 'pyexec_executions_total',
    help: 'Executions by outcome (rejected: refused at admission with 429)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly queueWait = new Histogram({
    name: 'pyexec_queue_wait_seconds',
    help: 'Time from submission to the start of the run',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });

  readonly runDuration = new Histogram({
    name: 'pyexec_run_duration_seconds',
    help: 'Wall time of a run in the sandbox',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300],
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'pyexec_webhook_deliveries_total',
    help: 'Webhook delivery attempts by result (retry: failed, another attempt follows)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly sandboxFailures = new Counter({
    name: 'pyexec_sandbox_failures_total',
    help: 'Runs the sandbox itself failed to carry out, and failed sandbox health checks',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge of queue sizes whose values are read (from Redis) when Prometheus scrapes. */
  registerQueueGauge(read: () => Promise<{ waiting: number; active: number }>): void {
    new Gauge({
      name: 'pyexec_queue_jobs',
      help: 'Execution jobs waiting for a worker and running',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await read().catch(() => null);
        if (!counts) return;
        this.set({ state: 'waiting' }, counts.waiting);
        this.set({ state: 'active' }, counts.active);
      },
    });
  }
}
