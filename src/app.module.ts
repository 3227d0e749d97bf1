import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ExecutionModule } from './execution/execution.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { ExecutionConsumerModule } from './queue/execution-consumer.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RuntimeModule } from './runtime/runtime.module';
import { WebhookDeliveryModule } from './webhooks/webhook-delivery.module';

@Module({})
export class AppModule {
  /**
   * The one place ROLE is wired. ROLE=api serves the API and only enqueues; ROLE=worker only
   * consumes (its HTTP port serves /health and /metrics); ROLE=all does both.
   */
  static forRoot(config: AppConfig): DynamicModule {
    const servesApi = config.role !== 'worker';
    const runsJobs = config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        HealthModule.forRoot(runsJobs),
        ...(servesApi ? [RateLimitModule, ExecutionModule, JobsModule, RuntimeModule] : []),
        ...(runsJobs ? [ExecutionConsumerModule, WebhookDeliveryModule] : []),
      ],
    };
  }
}
