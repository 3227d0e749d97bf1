import { METHODS } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendError } from './all-exceptions.filter';
import { ApiError } from './api-error';

/** What this code reads of Express 5's router: its route layers and their (pure) path matchers. */
interface RouteLayer {
  matchers?: ((path: string) => unknown)[];
  route?: { methods: Record<string, boolean> };
}

interface ExpressLike {
  router?: { stack: unknown[] };
}

/** The methods the routes matching `path` answer (HEAD wherever GET is); empty for an unknown path. */
export function allowedMethods(stack: RouteLayer[], path: string): string[] {
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || !layer.matchers) continue;
    // A route for every method is a middleware Nest mounted on a pattern (`/{*path}`), not a route.
    const routeMethods = layer.route.methods;
    if (routeMethods._all || METHODS.every((method) => routeMethods[method.toLowerCase()])) continue;
    let matches = false;
    try {
      matches = layer.matchers.some((match) => match(path) !== false);
    } catch {
      continue; // a path that cannot be decoded matches nothing
    }
    if (!matches) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (!on) continue;
      methods.add(method.toUpperCase());
      if (method === 'get') methods.add('HEAD');
    }
  }
  return [...methods].sort();
}

/**
 * 405 with `Allow` for a method no route of a known path answers (PUT on
 * /v1/code/execute/python, POST on /v1/jobs/{job_id}), 204 with `Allow` for OPTIONS; unknown
 * paths stay 404. Mounted before the body parser, so a wrong
 * method costs no parsing; the routes are read from the router at each request (a handful).
 */
export function methodNotAllowed(expressApp: ExpressLike): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const allowed = allowedMethods((expressApp.router?.stack ?? []) as RouteLayer[], request.path);
    if (allowed.length === 0 || allowed.includes(request.method)) return next();
    response.setHeader('Allow', allowed.join(', '));
    if (request.method === 'OPTIONS') {
      response.status(204).end();
      return;
    }
    sendError(request, response, new ApiError(405, { error: `Method ${request.method} is not allowed on ${request.path} (allowed: ${allowed.join(', ')})` }));
  };
}
