import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SandboxModule } from '../sandbox/sandbox.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { EXECUTION_QUEUE } from './execution-job';
import { ExecutionProcessor } from './execution.processor';
import { ExecutionQueue } from './execution-queue.service';
import { JobWaiter } from './job-waiter';

@Module({
  imports: [
    BullModule.registerQueueAsync({
      name: EXECUTION_QUEUE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ url: config.redisUrl, prefix: config.queuePrefix }),
    }),
    SandboxModule,
    WebhooksModule,
  ],
  providers: [ExecutionQueue, JobWaiter, ExecutionProcessor],
  exports: [ExecutionQueue],
})
export class QueueModule {}
