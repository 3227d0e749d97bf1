import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ExecutionProcessor } from '../queue/execution.processor';
import { QueueModule } from '../queue/queue.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { WebhookDeliveryProcessor } from '../webhooks/webhook-delivery.processor';
import { WebhooksModule } from '../webhooks/webhooks.module';

/** The consuming side (ROLE=worker|all): runs executions in the sandbox and delivers webhooks. */
@Module({
  imports: [QueueModule, SandboxModule, WebhooksModule, HttpModule],
  providers: [ExecutionProcessor, WebhookDeliveryProcessor],
})
export class WorkerModule {}
