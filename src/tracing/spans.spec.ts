import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { contextOf, currentTraceparent, injectTraceHeaders, inSpan, markTracingStarted, recordSpan, traceLogFields, tracingEnabled } from './spans';

describe('span helpers', () => {
  it('are pass-throughs while tracing is off', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(await inSpan('x', {}, async (span) => (span.isRecording() ? 'recording' : 'not recording'))).toBe('not recording');
    expect(currentTraceparent()).toBeUndefined();
    expect(traceLogFields()).toEqual({});
    const headers: Record<string, string> = {};
    injectTraceHeaders(headers);
    expect(headers).toEqual({});
  });

  describe('with the SDK', () => {
    const exporter = new InMemorySpanExporter();
    beforeAll(() => {
      new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
      markTracingStarted();
    });
    beforeEach(() => exporter.reset());

    it('nest spans, carry the trace through a traceparent, and put ids in log fields', async () => {
      let carried: string | undefined;
      let fields: ReturnType<typeof traceLogFields> = {};
      await inSpan('outer', {}, async () => {
        await inSpan('inner', {}, async () => {
          carried = currentTraceparent();
          fields = traceLogFields();
        });
      });
      const [inner, outer] = exporter.getFinishedSpans();
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(carried).toBe(`00-${inner.spanContext().traceId}-${inner.spanContext().spanId}-01`);
      expect(fields).toEqual({ trace_id: inner.spanContext().traceId, span_id: inner.spanContext().spanId });
      // Another process continues it.
      inSpan('continued', { parent: contextOf(carried) }, () => undefined);
      recordSpan('waited', 1_000_000, 1_000_250, { parent: contextOf(carried) });
      const [continued, waited] = exporter.getFinishedSpans().slice(2);
      expect(continued.spanContext().traceId).toBe(inner.spanContext().traceId);
      expect(continued.parentSpanContext?.spanId).toBe(inner.spanContext().spanId);
      expect(waited.duration).toEqual([0, 250_000_000]);
    });

    it('mark a throw or a rejection as an error and pass it on', async () => {
      expect(() => inSpan('sync', {}, () => { throw new Error('boom'); })).toThrow('boom');
      await expect(inSpan('async', {}, async () => { throw new Error('later'); })).rejects.toThrow('later');
      expect(exporter.getFinishedSpans().map((span) => [span.name, span.status])).toEqual([
        ['sync', { code: 2, message: 'boom' }],
        ['async', { code: 2, message: 'later' }],
      ]);
    });

    it('start a new trace for a missing or malformed traceparent', () => {
      for (const traceparent of [undefined, 'garbage']) inSpan('root', { parent: contextOf(traceparent) }, () => undefined);
      expect(exporter.getFinishedSpans().map((span) => span.parentSpanContext)).toEqual([undefined, undefined]);
    });
  });
});
