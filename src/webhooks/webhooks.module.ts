import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher';

@Module({
  imports: [HttpModule],
  providers: [WebhookDispatcher],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
