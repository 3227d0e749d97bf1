import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError, ErrorBody } from '../common/api-error';
import { TIMED_OUT, within } from '../common/deadline';
import { APP_CONFIG, AppConfig, DEFAULT_TIMEOUT_SECONDS } from '../config/app-config';
import { Answer, failedJobAnswer } from '../contract/answer';
import { base64Bytes } from '../contract/input-files';
import { ExecutionJobData, RunLimits } from '../contract/job';
import { ExecutionJobs } from '../queue/execution-jobs';
import { ExecutionProducer, QueuedJob } from '../queue/execution-producer';
import { IdempotencyRecord, IdempotencyStore } from '../queue/idempotency';
import { JobEnding, JobWaiter } from '../queue/job-waiter';
import { checkWebhookUrl, ForbiddenWebhookHost } from '../webhooks/address-guard';
import { ExecuteRequestDto } from './dto/execute-request.dto';
import { IDEMPOTENCY_KEY_HEADER, requestHash } from './idempotency-key';

/** Margin over a run's own timeout for the jail to start, stop and report. */
const RUN_MARGIN_SECONDS = 10;

/**
 * An Idempotency-Key whose job does not exist this long after the key was claimed belongs to a
 * submission that never added its job (its API process died): the key is claimed anew.
 */
const STALE_CLAIM_MS = 30_000;

/** How often a synchronous request checks that its job still exists in Redis while it waits. */
export const JOB_CHECK_MS = 2000;

/** The job's hash is gone from Redis: nothing will ever end it. */
const LOST = Symbol('job lost');

type Reply = Pick<Answer, 'status' | 'body'>;

/** The Idempotency-Key of a request: the key, its owner, and what to call when the answer is a repeat's. */
export interface Idempotency {
  key: string;
  /** Called when the request repeats an earlier one (the controller sets `Idempotent-Replayed: true`). */
  replayed?: () => void;
}

/** Frees a claimed Idempotency-Key when its job was never queued, or was withdrawn. */
type Release = () => Promise<void>;
const KEEP: Release = async () => undefined;

/** Turns a validated request into a job: answers 202 for a webhook, else waits for the job's answer. */
@Injectable()
export class ExecutionService {
  constructor(
    private readonly producer: ExecutionProducer,
    private readonly jobs: ExecutionJobs,
    private readonly waiter: JobWaiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async execute(request: ExecuteRequestDto, owner: string, requestId?: string, keyName?: string, idempotency?: Idempotency): Promise<Reply> {
    const data = this.jobData(request, owner, requestId, keyName);
    if (!idempotency) return data.webhookUrl ? this.accept(data) : this.answer(data);
    // Everything that refuses the request without a job comes before the key is claimed.
    if (data.webhookUrl && !this.config.webhookAllowPrivateHosts) await this.refuseForbiddenHost(data.webhookUrl);
    return this.once(data, requestHash(request), idempotency);
  }

  /**
   * One job per (API key, Idempotency-Key): the first request claims the key (atomically in Redis)
   * and queues the job; a repeat with the same request gets that job — its 202, or its answer once
   * it ends — and a different request under the same key is 422.
   */
  private async once(data: ExecutionJobData, hash: string, idempotency: Idempotency, retried = false): Promise<Reply> {
    const { key } = idempotency;
    const jobId = randomUUID();
    const claim = await this.idempotency.claim(data.owner, key, { jobId, requestHash: hash, claimedAt: Date.now() });
    if (claim.claimed) {
      const release = () => this.idempotency.release(data.owner, key, jobId).catch(() => undefined);
      return data.webhookUrl ? this.accept(data, jobId, release) : this.answer(data, jobId, release);
    }
    const { record } = claim;
    if (record.requestHash !== hash) {
      throw new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, { error: `This ${IDEMPOTENCY_KEY_HEADER} was already used with a different request` });
    }
    if (await this.jobAppears(record)) {
      idempotency.replayed?.();
      return data.webhookUrl ? this.acceptedReply(record.jobId, data, await this.producer.waitingCount()) : this.answerOf(record.jobId, data);
    }
    // The first submission never added its job: claim the key anew (once).
    await this.idempotency.release(data.owner, key, record.jobId);
    if (retried) throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { error: 'Queue unavailable: Redis is not reachable' }, 'idempotency key claimed twice without a job');
    return this.once(data, hash, idempotency, true);
  }

  /** Whether the job of a claimed key exists, waiting while the request that claimed it may still be adding it. */
  private async jobAppears(record: IdempotencyRecord): Promise<boolean> {
    for (;;) {
      if (await this.jobs.exists(record.jobId)) return true;
      if (Date.now() - record.claimedAt >= STALE_CLAIM_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The answer of an existing job: at once when it ended, else once it does (the same bounded wait). */
  private async answerOf(jobId: string, data: ExecutionJobData): Promise<Reply> {
    const ending = this.waiter.expect(jobId);
    const known = await this.jobs.endingOf(jobId).catch((error: unknown) => {
      this.waiter.forget(jobId, ending);
      throw error;
    });
    if (known) {
      this.waiter.forget(jobId, ending);
      return this.reply(jobId, known, data);
    }
    return this.reply(jobId, await this.awaitEnding({ jobId, queueLength: 0 }, ending, data.timeout, KEEP), data);
  }

  private jobData(request: ExecuteRequestDto, owner: string, requestId?: string, keyName?: string): ExecutionJobData {
    return {
      code: request.code,
      timeout: request.timeout ?? DEFAULT_TIMEOUT_SECONDS,
      stdin: request.stdin,
      env: (request.env ?? []).map(({ name, value }) => ({ name, value })),
      ...(request.files?.length && { files: this.inputFiles(request) }),
      ...(request.limits && { limits: this.runLimits(request) }),
      ...(request.network && this.allowNetwork()),
      id: request.id,
      webhookUrl: request.webhook_url,
      owner,
      ...(keyName !== undefined && { keyName }),
      requestId,
    };
  }

  /** 202 at once; the answer goes to the webhook. */
  private async accept(data: ExecutionJobData, jobId?: string, release: Release = KEEP): Promise<Reply> {
    if (!jobId && !this.config.webhookAllowPrivateHosts) await this.refuseForbiddenHost(data.webhookUrl!);
    const job = await this.producer.enqueue(data, jobId).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    return this.acceptedReply(job.jobId, data, job.queueLength);
  }

  private acceptedReply(jobId: string, data: ExecutionJobData, queueLength: number): Reply {
    return {
      status: HttpStatus.ACCEPTED,
      body: {
        job_id: jobId,
        ...(data.id !== undefined && { id: data.id }),
        message: 'processing',
        queue_length: queueLength,
        max_queue_length: this.config.maxQueueLength || null,
      },
    };
  }

  /** The job's own answer, once it ended; a job the worker failed is a 500. */
  private async answer(data: ExecutionJobData, jobId?: string, release: Release = KEEP): Promise<Reply> {
    const { job, ending } = await this.producer.enqueueAndWait(data, jobId).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    return this.reply(job.jobId, await this.awaitEnding(job, ending, data.timeout, release), data);
  }

  private reply(jobId: string, end: JobEnding, data: ExecutionJobData): Reply {
    const answer = end.kind === 'completed' ? end.result : failedJobAnswer(jobId, end.reason, data.id);
    // Error answers leave through the exception filter, like every other error of the API.
    if (answer.status >= 400) throw new ApiError(answer.status, answer.body as ErrorBody, end.kind === 'failed' ? end.reason : undefined);
    return answer;
  }

  /** `network: true` needs egress on; 400 otherwise. */
  private allowNetwork(): { network: true } {
    if (this.config.egressAllowedHosts.length === 0) {
      const problem = 'network: true needs egress, which this server has off (EGRESS_ALLOWED_HOSTS is empty)';
      throw new ApiError(HttpStatus.BAD_REQUEST, { error: `Invalid request: ${problem}`, details: [problem] });
    }
    return { network: true };
  }

  private inputFiles(request: ExecuteRequestDto): { path: string; content: string }[] {
    const files = (request.files ?? []).map(({ path, content }) => ({ path, content }));
    const total = files.reduce((sum, file) => sum + base64Bytes(file.content), 0);
    if (total > this.config.maxInputFilesBytes) {
      const problem = `files hold ${total} bytes, more than MAX_INPUT_FILES_BYTES (${this.config.maxInputFilesBytes})`;
      throw new ApiError(HttpStatus.BAD_REQUEST, { error: `Invalid request: ${problem}`, details: [problem] });
    }
    return files;
  }

  /** The request's limits, each within the operator's cap; the defaults for the ones it omits. */
  private runLimits(request: ExecuteRequestDto): RunLimits {
    const asked = request.limits ?? {};
    const { config } = this;
    const limits: RunLimits = {
      memoryMb: asked.memory_mb ?? config.sandboxMemoryMb,
      maxProcesses: asked.max_processes ?? config.sandboxMaxPids,
      cpus: asked.cpus ?? config.sandboxCpus,
      maxOutputBytes: asked.max_output_bytes ?? config.maxOutputBytes,
    };
    const caps: [string, number, string, number][] = [
      ['memory_mb', limits.memoryMb, 'SANDBOX_MEMORY_MB_CAP', config.sandboxMemoryMbCap],
      ['max_processes', limits.maxProcesses, 'SANDBOX_MAX_PIDS_CAP', config.sandboxMaxPidsCap],
      ['cpus', limits.cpus, 'SANDBOX_CPUS_CAP', config.sandboxCpusCap],
      ['max_output_bytes', limits.maxOutputBytes, 'MAX_OUTPUT_BYTES_CAP', config.maxOutputBytesCap],
    ];
    const over = caps.filter(([, value, , cap]) => value > cap).map(([field, value, name, cap]) => `limits.${field} ${value} is above ${name} (${cap})`);
    if (over.length > 0) throw new ApiError(HttpStatus.BAD_REQUEST, { error: `Invalid request: ${over.join('; ')}`, details: over });
    return limits;
  }

  private async refuseForbiddenHost(url: string): Promise<void> {
    try {
      await checkWebhookUrl(url);
    } catch (error) {
      if (error instanceof ForbiddenWebhookHost) throw new ApiError(HttpStatus.BAD_REQUEST, { error: error.message });
      throw error;
    }
  }

  /**
   * Bounded wait: first for a worker to start and finish the job; if that runs out while the
   * job still waits, it is withdrawn (503); if it is running, its own deadline is awaited.
   * Throughout, the job's existence is checked every JOB_CHECK_MS: a job whose hash vanished
   * (Redis restarted without persistence, its keys deleted) answers 503 at once.
   */
  private async awaitEnding(job: QueuedJob, ending: Promise<JobEnding>, timeout: number, release: Release = KEEP): Promise<JobEnding> {
    const { jobId } = job;
    const watch = this.watchForLoss(jobId);
    const watched = Promise.race([ending, watch.lost]);
    const lostError = () =>
      new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        { error: 'The job was lost: its record is gone from Redis (Redis restarted without persistence, or its keys were deleted); send the request again', job_id: jobId },
        'job hash missing while a request waited for it',
      );
    // A job whose hash vanished can still be failed by Bull before a check sees it gone (it finds
    // the job stalled, its lock gone with it, and counts the stall in a hash of its own): lost too.
    const judged = async (found: JobEnding): Promise<JobEnding> => {
      if (found.kind === 'failed' && !(await this.jobs.exists(jobId).catch(() => true))) throw lostError();
      return found;
    };
    try {
      const first = await within(watched, (this.config.queueWaitSeconds + timeout + RUN_MARGIN_SECONDS) * 1000);
      if (first === LOST) throw lostError();
      if (first !== TIMED_OUT) return await judged(first);
      const known = await this.jobs.endingOf(jobId);
      if (known) return await judged(known);
      if (await this.jobs.withdraw(jobId)) {
        await release();
        throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { error: `No worker started the job within ${this.config.queueWaitSeconds} seconds`, job_id: jobId });
      }
      const late = await within(watched, (timeout + RUN_MARGIN_SECONDS) * 1000);
      if (late === LOST) throw lostError();
      if (late !== TIMED_OUT) return await judged(late);
      const final = await this.jobs.endingOf(jobId);
      if (final) return await judged(final);
      throw new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, { error: 'The job did not report a result', job_id: jobId });
    } finally {
      watch.stop();
      this.waiter.forget(jobId, ending);
    }
  }

  /**
   * Resolves with LOST once the job's hash is missing (a cheap HEXISTS every JOB_CHECK_MS) until
   * stopped. A check that fails (Redis unreachable) counts as present: the wait goes on, and the
   * job is judged again once Redis answers — kept by a persistent Redis, lost by one without.
   */
  private watchForLoss(jobId: string): { lost: Promise<typeof LOST>; stop: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const lost = new Promise<typeof LOST>((resolve) => {
      const check = async (): Promise<void> => {
        const present = await this.jobs.exists(jobId).catch(() => true);
        if (stopped) return;
        if (!present) return resolve(LOST);
        timer = setTimeout(() => void check(), JOB_CHECK_MS);
      };
      timer = setTimeout(() => void check(), JOB_CHECK_MS);
    });
    return {
      lost,
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }
}
