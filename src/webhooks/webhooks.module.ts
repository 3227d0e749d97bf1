import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { REDIS_RECONNECT } from '../common/redis-reconnect';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { retryDelay } from './retry-policy';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WEBHOOK_BACKOFF, WEBHOOK_QUEUE } from './webhook-job';

/** The webhook queue's producer side (dispatch, delivery state); the consumer is WebhookDeliveryModule. */
@Module({
  imports: [
    BullModule.registerQueueAsync({
      name: WEBHOOK_QUEUE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        url: config.redisUrl,
        prefix: config.queuePrefix,
        redis: REDIS_RECONNECT,
        settings: {
          backoffStrategies: {
            [WEBHOOK_BACKOFF]: (attemptsMade: number, error: unknown) =>
              retryDelay(attemptsMade, error, config.webhookRetryBaseMs, Math.random, config.webhookRetryMaxMs),
          },
        },
      }),
    }),
  ],
  providers: [WebhookDispatcher],
  exports: [WebhookDispatcher, BullModule],
})
export class WebhooksModule {}
