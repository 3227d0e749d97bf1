import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhooksModule } from './webhooks.module';

/** The consuming side of the webhook queue (ROLE=worker|all): POSTs deliveries, with retries. */
@Module({
  imports: [WebhooksModule, HttpModule],
  providers: [WebhookDeliveryProcessor],
})
export class WebhookDeliveryModule {}
