import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { OtlpCollector, CollectedSpan } from './support/otlp-collector';
import { freePort, ServiceProcess } from './support/processes';
import { cleanPrefix, KEY, uniquePrefix } from './support/test-app';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/** OpenTelemetry across processes: an api and a worker (dist/main.js) exporting to an in-process OTLP/HTTP collector. */
describe('tracing: one trace per execution across the api and the worker', () => {
  const prefix = uniquePrefix('tracing');
  const collector = new OtlpCollector();
  const receiver = new WebhookReceiver();
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let hookUrl: string;

  beforeAll(async () => {
    const endpoint = await collector.start();
    hookUrl = await receiver.start();
    const common = {
      REDIS_URL, QUEUE_PREFIX: prefix, SANDBOX_CGROUP_PARENT: prefix,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'pyexec-e2e',
      // Read by the SDK itself: export every 100 ms rather than every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    api = new ServiceProcess(await freePort(), { ...common, ROLE: 'api', API_KEYS: KEY, WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' });
    worker = new ServiceProcess(await freePort(), { ...common, ROLE: 'worker', WORKER_CONCURRENCY: '1', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' });
    await Promise.all([api.ready(), worker.ready()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await Promise.all([collector.stop(), receiver.stop()]);
    await cleanPrefix(REDIS_URL, prefix);
  });

  function only(spans: CollectedSpan[], name: string): CollectedSpan {
    const found = spans.filter((span) => span.name === name);
    expect(found.map((span) => span.name)).toEqual([name]);
    return found[0];
  }

  it('continues the caller\'s traceparent from the request through the queue to the sandbox run and the webhook, which receives traceparent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const accepted = await fetch(`${api.url}/v1/code/execute/python`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({ code: 'import time\ntime.sleep(0.05)\nreturn 7', webhook_url: hookUrl, id: 'traced' }),
    });
    expect(accepted.status).toBe(202);
    const { job_id: jobId } = await accepted.json();
    await receiver.waitFor(1);
    const expected = ['POST /v1/code/execute/python', 'validation', 'admission', 'queue wait', 'job', 'sandbox run', 'webhook attempt'];
    const spans = await waitUntil(async () => {
      const found = collector.trace(traceId);
      return expected.every((name) => found.some((span) => span.name === name)) ? found : undefined;
    }, 15_000, 'all spans of the trace exported');
    const tree = collector.render(traceId);
    console.log(`trace ${traceId} (caller span ${callerSpanId}):\n${tree}`);
    mkdirSync(path.join(__dirname, '..', 'artifacts'), { recursive: true });
    writeFileSync(path.join(__dirname, '..', 'artifacts', 'trace-e2e.txt'), `trace ${traceId} (caller span ${callerSpanId}):\n${tree}\n`);

    // Nothing else in the trace: one span each.
    expect(spans.map((span) => span.name).sort()).toEqual([...expected].sort());
    const server = only(spans, 'POST /v1/code/execute/python');
    const validation = only(spans, 'validation');
    const admission = only(spans, 'admission');
    const queueWait = only(spans, 'queue wait');
    const job = only(spans, 'job');
    const run = only(spans, 'sandbox run');
    const attempt = only(spans, 'webhook attempt');

    // Parent/child links: the caller → server → {validation, admission → {queue wait, job → {sandbox run, webhook attempt}}}.
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(validation.parentSpanId).toBe(server.spanId);
    expect(admission.parentSpanId).toBe(server.spanId);
    expect(queueWait.parentSpanId).toBe(admission.spanId);
    expect(job.parentSpanId).toBe(admission.spanId);
    expect(run.parentSpanId).toBe(job.spanId);
    expect(attempt.parentSpanId).toBe(job.spanId);

    // Which process made which span: the api's three, the worker's four.
    for (const span of [server, validation, admission]) expect(span.resource['pyexec.role']).toBe('api');
    for (const span of [queueWait, job, run, attempt]) expect(span.resource['pyexec.role']).toBe('worker');
    expect(server.resource['service.name']).toBe('pyexec-e2e');
    expect(server.resource['service.instance.id']).not.toBe(job.resource['service.instance.id']);

    // Kinds and attributes.
    expect([server.kind, admission.kind, job.kind, attempt.kind]).toEqual([SERVER, PRODUCER, CONSUMER, CLIENT]);
    expect(server.attributes).toMatchObject({ 'http.route': '/v1/code/execute/python', 'http.response.status_code': 202, 'pyexec.api_key.name': expect.stringMatching(/^key-[0-9a-f]{8}$/) });
    expect(admission.attributes).toMatchObject({ 'pyexec.job_id': jobId, 'messaging.destination.name': 'python-execution' });
    expect(job.attributes).toMatchObject({ 'pyexec.job_id': jobId, 'pyexec.outcome': 'ok', 'pyexec.status': 200 });
    expect(run.attributes).toMatchObject({ 'pyexec.termination': 'exited', 'pyexec.exit_code': 0 });
    expect(attempt.attributes).toMatchObject({ 'pyexec.job_id': jobId, 'pyexec.webhook.attempt': 1, 'http.response.status_code': 200 });

    // Timings hold together: the wait ends where the job starts; the run lasts the program's sleep at least.
    expect(queueWait.startMs).toBeGreaterThanOrEqual(admission.startMs - 5);
    expect(queueWait.endMs).toBeLessThanOrEqual(job.startMs + 1);
    expect(run.endMs - run.startMs).toBeGreaterThanOrEqual(50);
    expect(attempt.startMs).toBeGreaterThanOrEqual(run.endMs);

    // The webhook request carried the attempt's traceparent.
    expect(receiver.received[0].headers.traceparent).toBe(`00-${traceId}-${attempt.spanId}-01`);
  }, 40_000);

  it('starts a trace for a request without traceparent and puts its trace_id in the log lines of both processes', async () => {
    const res = await fetch(`${api.url}/v1/code/execute/python`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ code: 'return 1' }),
    });
    expect(res.status).toBe(200);
    const { job_id: jobId } = await res.json();
    const server = await waitUntil(async () => collector.spans.find((span) => span.name === 'admission' && span.attributes['pyexec.job_id'] === jobId), 10_000, 'admission span');
    const spans = await waitUntil(async () => {
      const found = collector.trace(server.traceId);
      return found.some((span) => span.name === 'POST /v1/code/execute/python') && found.some((span) => span.name === 'sandbox run') ? found : undefined;
    }, 10_000, 'the trace exported');
    expect(only(spans, 'POST /v1/code/execute/python').parentSpanId).toBeUndefined();
    const jobLine = await waitUntil(async () => worker.logLines().find((line) => line.jobId === jobId && line.msg === 'job finished'), 5000, 'job log line');
    expect(jobLine).toMatchObject({ trace_id: server.traceId, span_id: only(spans, 'job').spanId, keyName: expect.stringMatching(/^key-/) });
    const requestLine = await waitUntil(async () => api.logLines().find((line) => line.msg === 'request completed' && line.trace_id === server.traceId), 5000, 'request log line');
    expect(requestLine).toMatchObject({ span_id: only(spans, 'POST /v1/code/execute/python').spanId, res: { status: 200 } });
    // Spans only for /v1 routes: readiness probes and metrics scrapes make none.
    expect(collector.spans.filter((span) => span.name.includes('/health') || span.name.includes('/metrics'))).toEqual([]);
  }, 30_000);
});
