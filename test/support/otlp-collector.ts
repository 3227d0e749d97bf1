import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with the resource's attributes beside it. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  status?: { code?: number; message?: string };
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };

function attributesOf(list: { key: string; value: OtlpValue }[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue))]),
  );
}

/** An OTLP/HTTP receiver on loopback (JSON encoding: OTEL_EXPORTER_OTLP_PROTOCOL=http/json) keeping every span. */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  private server?: Server;

  /** Starts listening; returns the endpoint for OTEL_EXPORTER_OTLP_ENDPOINT. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
          res.writeHead(415).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const resourceSpans of body.resourceSpans ?? []) {
          const resource = attributesOf(resourceSpans.resource?.attributes);
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              this.spans.push({
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId || undefined,
                name: span.name,
                kind: span.kind,
                startMs: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000,
                endMs: Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000,
                attributes: attributesOf(span.attributes),
                resource,
                status: span.status,
              });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  trace(traceId: string): CollectedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** The spans of a trace as an indented tree with start offsets and durations (ms), for reading. */
  render(traceId: string): string {
    const spans = this.trace(traceId).sort((a, b) => a.startMs - b.startMs);
    const origin = Math.min(...spans.map((span) => span.startMs));
    const ids = new Set(spans.map((span) => span.spanId));
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
      for (const span of spans.filter((s) => (parent === undefined ? !s.parentSpanId || !ids.has(s.parentSpanId) : s.parentSpanId === parent))) {
        const offset = (span.startMs - origin).toFixed(1).padStart(8);
        const duration = (span.endMs - span.startMs).toFixed(1).padStart(8);
        lines.push(`${offset} ms ${duration} ms  ${'  '.repeat(depth)}${span.name}  [${span.resource['pyexec.role']} ${String(span.resource['service.instance.id'])}] span ${span.spanId}${span.parentSpanId ? ` parent ${span.parentSpanId}` : ''}`);
        walk(span.spanId, depth + 1);
      }
    };
    walk(undefined, 0);
    return lines.join('\n');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
