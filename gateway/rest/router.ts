/**
 * The REST shim's route table mechanism. A route is a method, a path pattern
 * (`/accounts/:accountId`), the one GraphQL operation it runs on the composed graph, and a
 * handler that turns the request into that operation's variables and its result into the
 * old system's response. Adding a route is a few lines in routes.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { HttpError, readJson, sendJson, type Route } from '../../platform/http';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../../platform/idempotency-key';
import type { Logger } from '../../platform/logger';

export interface GraphQLResult<D> {
  data?: D | null;
  errors?: readonly GraphQLFormattedError[];
  /** The owning subgraph answered a write with the stored result of an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

/** What a route passes on from its HTTP request to the operation (the gateway's context). */
export interface ExecuteContext {
  idempotencyKey?: string;
}

/** Runs an operation on the composed graph, in process (no HTTP hop). */
export type Execute = <D>(operation: string, variables: Record<string, unknown>, context?: ExecuteContext) => Promise<GraphQLResult<D>>;

export interface RestRequest {
  params: Record<string, string>;
  /** The parsed JSON body (routes that declare `body: true`). */
  body: unknown;
  req: IncomingMessage;
}

export interface RestResponse {
  status: number;
  /** JSON-serialised, or sent as text/plain when a string. */
  body: unknown;
  headers?: Record<string, string>;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: boolean;
  /** The GraphQL operation this route runs (omitted only by routes that run none, e.g. /health). */
  operation?: string;
  handle(request: RestRequest, run: <D>(variables: Record<string, unknown>) => Promise<GraphQLResult<D>>): Promise<RestResponse>;
}

function match(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, seg] of want.entries()) {
    const actual = got[i] ?? '';
    if (seg.startsWith(':')) {
      if (actual === '') return undefined;
      try {
        params[seg.slice(1)] = decodeURIComponent(actual);
      } catch {
        throw new HttpError(400, `path segment ${JSON.stringify(actual)} is not valid percent-encoding`);
      }
    } else if (seg !== actual) return undefined;
  }
  return params;
}

function send(res: Parameters<Route>[1], out: RestResponse): void {
  if (typeof out.body === 'string') {
    res.writeHead(out.status, { 'content-type': 'text/plain; charset=utf-8', ...out.headers });
    res.end(out.body);
  } else sendJson(res, out.status, out.body, out.headers);
}

/** `maxBodyBytes`: the process's body limit (MAX_BODY_BYTES), for JSON bodies as for GraphQL ones. */
export function restRouter(routes: RestRoute[], execute: Execute, log: Logger, maxBodyBytes?: number): Route {
  return async (req, res, url) => {
    const matched = routes.map((r) => ({ route: r, params: match(r.path, url.pathname) })).filter((m) => m.params);
    if (matched.length === 0) return false;
    const hit = matched.find((m) => m.route.method === req.method);
    if (!hit) {
      const allow = [...new Set(matched.map((m) => m.route.method))].join(', ');
      sendJson(res, 405, { error: `method ${req.method} not allowed on ${url.pathname}; allowed: ${allow}` }, { allow });
      return true;
    }
    const { route, params } = hit;
    const body = route.body ? await readJson(req, maxBodyBytes) : undefined;
    // Writes pass the client's Idempotency-Key on (never one of our own: old clients send none).
    const context = route.method === 'GET' ? {} : { idempotencyKey: idempotencyKeyOf(req.headers) };
    let replayed = false;
    const run = async <D>(variables: Record<string, unknown>) => {
      if (!route.operation) throw new Error(`route ${route.method} ${route.path} declares no operation`);
      const result = await execute<D>(route.operation, variables, context);
      replayed ||= result.replayed === true;
      return result;
    };
    const out = await route.handle({ params: params!, body, req }, run);
    if (replayed) out.headers = { ...out.headers, [REPLAYED_HEADER]: 'true' };
    if (out.status >= 500) log.warn({ route: `${route.method} ${route.path}`, status: out.status, body: out.body }, 'REST route failed');
    send(res, out);
    return true;
  };
}
