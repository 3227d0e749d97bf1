import type { IncomingMessage, ServerResponse } from 'node:http';
import { contextOfHeaders, setSpanError, SpanKind, startSpan, withContext } from './spans';

/** What Express and the guard add to a request, read without depending on them. */
interface TracedRequest extends IncomingMessage {
  route?: { path?: string };
}

/**
 * Express middleware (installed only when tracing is on): one SERVER span per request to a /v1
 * route, continuing the caller's `traceparent`, active for everything the request does. Its name
 * is the method and the route template (`POST /v1/code/execute/python`, `GET /v1/jobs/:job_id`).
 */
export function httpServerSpans(request: TracedRequest, response: ServerResponse, next: (error?: unknown) => void): void {
  const path = (request.url ?? '/').split('?')[0];
  if (!path.startsWith('/v1/')) return next();
  const { span, context } = startSpan(`${request.method} ${path}`, {
    kind: SpanKind.SERVER,
    parent: contextOfHeaders(request.headers),
    attributes: { 'http.request.method': request.method ?? 'GET', 'url.path': path, 'url.scheme': 'http' },
  });
  response.once('close', () => {
    const route = request.route?.path;
    if (route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', response.statusCode);
    const requestId = (request as { id?: unknown }).id;
    if (requestId !== undefined) span.setAttribute('pyexec.request_id', String(requestId));
    if (!response.writableFinished) setSpanError(span, 'the client closed the connection before the answer');
    else if (response.statusCode >= 500) setSpanError(span, `status ${response.statusCode}`);
    span.end();
  });
  // The request's and response's events (the body, the log line at the end) run in the span too.
  withContext(context, next, request, response);
}
