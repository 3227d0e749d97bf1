import { Controller, Get, HttpStatus, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';
import { QueueHealth } from '../queue/queue-health';
import { SandboxMonitor } from '../sandbox/sandbox-monitor';
import { SANDBOX_STATUS, SandboxStatus } from '../sandbox/sandbox-status';

/** Liveness and readiness. The sandbox is checked only in processes that run jobs. */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly queue: QueueHealth,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly sandbox?: SandboxMonitor,
    @Optional() @Inject(SANDBOX_STATUS) private readonly limits?: SandboxStatus,
  ) {}

  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<HealthCheckResult & { role: string }> {
    const checks = [() => this.redis(), ...(this.sandbox ? [() => this.sandboxState()] : [])];
    try {
      return { role: this.config.role, ...(await this.health.check(checks)) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, {
        error: `Not ready: ${Object.keys(result.error ?? {}).join(', ')}`,
        role: this.config.role,
        status: result.status,
        details: result.details,
      });
    }
  }

  private async redis() {
    const indicator = this.indicators.check('redis');
    try {
      await this.queue.ping();
      const [persistence, memory] = await Promise.all([this.queue.persistence(), this.queue.memory()]);
      const details = { persistence, memory: memory && { used_bytes: memory.usedBytes, max_bytes: memory.maxBytes, policy: memory.policy } };
      // With noeviction a full Redis refuses every write: no job can be queued or finish.
      if (memory && memory.maxBytes > 0 && memory.usedBytes >= memory.maxBytes) {
        return indicator.down({ message: `Redis is full: used_memory ${memory.usedBytes} >= maxmemory ${memory.maxBytes}, writes are refused`, ...details });
      }
      return indicator.up(details);
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  private sandboxState() {
    const indicator = this.indicators.check('sandbox');
    const last = this.sandbox!.last;
    const details = { last_check: last, cgroups: this.limits!.cgroups, enforced: this.limits!.enforced, not_enforced: this.limits!.notEnforced };
    return last?.ok ? indicator.up(details) : indicator.down(details);
  }
}
