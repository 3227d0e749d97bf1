import {
  Attributes,
  Context,
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

export { SpanKind };
export type { Attributes, Context, Span };

/**
 * The service's spans, through the OpenTelemetry API. Until startTracing() ran, every helper
 * here is a pass-through: no span object, no context switch, no header parsing.
 */
let started = false;

/** Called by startTracing() once the SDK is registered. */
export function markTracingStarted(): void {
  started = true;
}

export function tracingEnabled(): boolean {
  return started;
}

const tracer = trace.getTracer('pyexec');

/** A span that records nothing, handed to callbacks while tracing is off. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent (default: the active context). */
  parent?: Context;
  startTime?: number;
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `fn` inside a new active span that ends when `fn` returns or its promise settles; a throw
 * or a rejection marks the span as an error and is passed on.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => T): T {
  if (!started) return fn(NO_SPAN);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes, startTime: options.startTime }, parent);
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

/** A span of something that already happened (e.g. a job's wait in the queue), from its times in ms. */
export function recordSpan(name: string, startMs: number, endMs: number, options: Omit<SpanOptions, 'startTime'> = {}): void {
  if (!started) return;
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes, startTime: startMs }, options.parent ?? context.active());
  span.end(Math.max(startMs, endMs));
}

/** Sets attributes on the active span, if any. */
export function annotateSpan(attributes: Attributes): void {
  if (started) trace.getActiveSpan()?.setAttributes(attributes);
}

/** The active span's W3C `traceparent`, for carrying the trace in a job's data; undefined when there is none. */
export function currentTraceparent(): string | undefined {
  if (!started) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a `traceparent` carried in a job's data continues (the root one when absent or malformed). */
export function contextOf(traceparent: string | undefined): Context {
  if (!started || !traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** The context of an incoming request's trace headers (traceparent, tracestate). */
export function contextOfHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return started ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
}

/** Adds the active context's trace headers (traceparent, tracestate) to outgoing request headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (started) propagation.inject(context.active(), headers);
}

/** `trace_id` and `span_id` of the active span, for log lines; empty when there is none. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  if (!started) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return traceId === INVALID_SPAN_CONTEXT.traceId ? {} : { trace_id: traceId, span_id: spanId };
}

/** Runs `fn` with `ctx` active, and binds an event emitter's listeners (a request, a response) to it. */
export function withContext<T>(ctx: Context, fn: () => T, ...emitters: NodeJS.EventEmitter[]): T {
  for (const emitter of emitters) context.bind(ctx, emitter);
  return context.with(ctx, fn);
}

export function startSpan(name: string, options: SpanOptions): { span: Span; context: Context } {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes, startTime: options.startTime }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

export function setSpanError(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
