import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { TIMED_OUT, within } from '../common/deadline';
import { Metrics } from '../metrics/metrics.service';
import { InjectExecutionQueue } from './execution-queue';

/** The queue's side of readiness and metrics. */
@Injectable()
export class QueueHealth {
  constructor(
    @InjectExecutionQueue() private readonly queue: Queue,
    metrics: Metrics,
  ) {
    metrics.registerQueueGauge(() => this.counts());
  }

  /** Redis round trip, for readiness; throws when Redis does not answer within a second. */
  async ping(): Promise<void> {
    const answer = await within(this.queue.client.ping(), 1000);
    if (answer === TIMED_OUT) throw new Error('Redis did not answer within 1000 ms');
  }

  /** Jobs waiting for a worker and running, for the metrics gauge. */
  async counts(): Promise<{ waiting: number; active: number }> {
    const counts = await this.queue.getJobCounts();
    return { waiting: counts.waiting, active: counts.active };
  }
}
