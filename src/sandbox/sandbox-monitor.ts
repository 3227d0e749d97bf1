import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics.service';
import { PYTHON_RUNNER, PythonRunner } from './python-runner';

export interface SandboxCheck {
  ok: boolean;
  checkedAt: string;
  runTimeMs: number;
  error?: string;
}

/**
 * Proves the sandbox with a real tiny run: at boot (the service does not start without a
 * working sandbox) and then periodically, for readiness.
 */
@Injectable()
export class SandboxMonitor implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Sandbox');
  private timer?: NodeJS.Timeout;
  last?: SandboxCheck;

  constructor(
    @Inject(PYTHON_RUNNER) private readonly runner: PythonRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onModuleInit(): Promise<void> {
    const first = await this.check();
    if (!first.ok) {
      throw new Error(`Sandbox self-test failed (nsjail ${this.config.nsjailPath}, runtime ${this.config.runtime.dir}): ${first.error}`);
    }
    this.logger.log(`self-test passed in ${first.runTimeMs.toFixed(1)} ms`);
    this.timer = setInterval(() => void this.check(), this.config.sandboxCheckSeconds * 1000).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<SandboxCheck> {
    const probe = await this.runner.run({ code: 'return 6 * 7', env: {}, timeoutSeconds: 10 });
    const ok = probe.record?.kind === 'return' && probe.record.result === 42;
    const error = ok ? undefined : (probe.sandboxError ?? `exit ${probe.exitCode}, stderr: ${probe.stderr.slice(0, 300)}`);
    if (!ok) {
      this.metrics.sandboxFailures.inc();
      this.logger.error(`sandbox check failed: ${error}`);
    }
    this.last = { ok, checkedAt: new Date().toISOString(), runTimeMs: probe.runTimeMs, ...(error && { error }) };
    return this.last;
  }
}
