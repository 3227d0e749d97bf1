import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  Sampler,
  SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { hostname } from 'node:os';
import type { Role, TracingConfig } from '../config/app-config';
import { markTracingStarted } from './spans';

export interface Tracing {
  /** Sends the spans still buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function exporterOf(config: TracingConfig): SpanExporter {
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  const options = { url: config.url, headers: config.headers };
  return config.protocol === 'http/json' ? new OtlpJsonExporter(options) : new OtlpProtobufExporter(options);
}

/**
 * Starts the OpenTelemetry SDK: a tracer provider with a batching OTLP/HTTP exporter, the W3C
 * trace-context propagator and the AsyncLocalStorage context manager, registered globally.
 * Called once by main.ts before the application is built, and only when tracing is configured:
 * otherwise no SDK runs and the helpers of spans.ts cost one boolean test.
 */
export function startTracing(config: TracingConfig, role: Role): Tracing {
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.instance.id': `${hostname()}:${process.pid}`,
        'pyexec.role': role,
        ...config.resourceAttributes,
        'service.name': config.serviceName,
      }),
    ),
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor(exporterOf(config))],
  });
  provider.register();
  markTracingStarted();
  return { shutdown: () => provider.shutdown() };
}
