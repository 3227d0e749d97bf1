import { Module } from '@nestjs/common';
import { SandboxModule } from '../sandbox/sandbox.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ExecutionProcessor } from './execution.processor';
import { QueueModule } from './queue.module';

/** The consuming side of the execution queue (ROLE=worker|all): runs jobs in the sandbox. */
@Module({
  imports: [QueueModule, SandboxModule, WebhooksModule],
  providers: [ExecutionProcessor],
})
export class ExecutionConsumerModule {}
