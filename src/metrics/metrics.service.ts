import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ExecutionOutcome = 'ok' | 'error' | 'timeout' | 'limit' | 'rejected' | 'sandbox_error';
export type WebhookResult = 'delivered' | 'retry' | 'failed';

/** Distinct `key` label values one process keeps; later names are counted as `other`. */
export const MAX_KEY_LABELS = 100;

/** The service's Prometheus metrics; each process exposes its own at GET /metrics. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly executions = new Counter({
    name: 'pyexec_executions_total',
    help: 'Executions by outcome (rejected: refused at admission with 429) and API key name',
    labelNames: ['outcome', 'key'] as const,
    registers: [this.registry],
  });

  private readonly keyLabels = new Set<string>();

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

  readonly egressConnections = new Counter({
    name: 'pyexec_egress_connections_total',
    help: 'Connections runs with network: true asked the egress proxy for, by result (allowed or refused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly storedBytes = new Counter({
    name: 'pyexec_result_bytes_total',
    help: 'Bytes of job results this worker stored in Redis (webhook delivery copies included), by API key name',
    labelNames: ['key'] as const,
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

  /**
   * Counts an execution under its outcome and the name of the key that submitted it (never the
   * key). The names come from the operator's key list; past MAX_KEY_LABELS distinct ones in a
   * process (key lists rotated many times) they are counted as `other`, so the series stay bounded.
   */
  countExecution(outcome: ExecutionOutcome, keyName: string | undefined): void {
    this.executions.inc({ outcome, key: this.keyLabel(keyName) });
  }

  /** Counts the bytes a stored result takes under the name of the key whose job it is (labels as countExecution's). */
  countStoredBytes(bytes: number, keyName: string | undefined): void {
    this.storedBytes.inc({ key: this.keyLabel(keyName) }, bytes);
  }

  private keyLabel(keyName: string | undefined): string {
    const key = keyName ?? 'unknown';
    if (this.keyLabels.has(key)) return key;
    if (this.keyLabels.size >= MAX_KEY_LABELS) return 'other';
    this.keyLabels.add(key);
    return key;
  }

  /** A gauge of the bytes unexpired job results of all keys hold in Redis, read (from Redis) when Prometheus scrapes. */
  registerStoredBytesGauge(read: () => Promise<number>): void {
    new Gauge({
      name: 'pyexec_stored_result_bytes',
      help: 'Bytes unexpired job results of all API keys hold in Redis (an upper bound), read from Redis',
      registers: [this.registry],
      async collect() {
        const bytes = await read().catch(() => null);
        if (bytes !== null) this.set(bytes);
      },
    });
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
