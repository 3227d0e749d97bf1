import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { REDIS_RECONNECT } from '../common/redis-reconnect';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EXECUTION_QUEUE } from './execution-queue';
import { ExecutionJobs } from './execution-jobs';
import { ExecutionProducer } from './execution-producer';
import { IdempotencyStore } from './idempotency';
import { JobWaiter } from './job-waiter';
import { QueueHealth } from './queue-health';
import { ResultStorage } from './result-storage';

/** The execution queue's producer side, shared by every role; the consumer is ExecutionConsumerModule. */
@Module({
  imports: [
    BullModule.registerQueueAsync({
      name: EXECUTION_QUEUE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        url: config.redisUrl,
        prefix: config.queuePrefix,
        redis: REDIS_RECONNECT,
        // A worker that dies (SIGKILL, lost host) loses its job locks within ~10 s; the job is
        // then found stalled and handed to another worker once, or failed if it stalls again.
        settings: { lockDuration: 10_000, lockRenewTime: 3_000, stalledInterval: 5_000, maxStalledCount: 1 },
      }),
    }),
  ],
  providers: [ExecutionProducer, ExecutionJobs, JobWaiter, QueueHealth, IdempotencyStore, ResultStorage],
  exports: [ExecutionProducer, ExecutionJobs, JobWaiter, QueueHealth, IdempotencyStore, ResultStorage, BullModule],
})
export class QueueModule {}
