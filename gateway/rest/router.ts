/**
 * The REST shim's route table mechanism. A route is a method, a path pattern
 * (`/accounts/:accountId`), the one GraphQL operation it runs on the composed graph, and a
 * handler that turns the request into that operation's variables and its result into the
 * old system's response. Adding a route is a few lines in routes.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode, HTTP_STATUS } from '../../platform/errors';
import { readJson, type Route } from '../../platform/http';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../../platform/idempotency-key';
import type { Logger } from '../../platform/logger';
import {
  ERROR_CODE_HEADER,
  cleanPath,
  closeUnlessKeepAlive,
  hasBadEscape,
  rawTarget,
  readsAsJson,
  sendCleanPathRedirect,
  sendGoBadRequest,
  sendLegacy,
  sendLegacyError,
  sendMethodNotAllowed,
  sendNotFound,
  sendStrictSlashRedirect,
} from './go-http';

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
export type Execute = <D>(
  operation: string,
  variables: Record<string, unknown>,
  context?: ExecuteContext,
) => Promise<GraphQLResult<D>>;

export interface RestRequest {
  params: Record<string, string>;
  /** The parsed JSON body (routes that declare `body: true`: JSON, or typeless from a non-browser client; 415 otherwise: go-http.ts readsAsJson). */
  body: unknown;
  req: IncomingMessage;
}

export interface RestResponse {
  status: number;
  /** JSON-serialised, or sent as is when a string (an error text); both under `application/json`, as the old handlers sent them. */
  body: unknown;
  headers?: Record<string, string>;
}

/** An error answer of a legacy route: the old plain text, the code in `x-error-code` (go-http.ts sendLegacyError). */
export const legacyError = (code: ErrorCode, message: string, status: number = HTTP_STATUS[code]): RestResponse => ({
  status,
  body: message,
  headers: { [ERROR_CODE_HEADER]: code },
});

export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: boolean;
  /** The GraphQL operation this route runs (omitted only by routes that run none, e.g. /health). */
  operation?: string;
  handle(
    request: RestRequest,
    run: <D>(variables: Record<string, unknown>) => Promise<GraphQLResult<D>>,
    /** Starts another operation that the answer does not wait for and cannot fail (its errors are logged). */
    background: (operation: string, variables: Record<string, unknown>) => void,
  ): Promise<RestResponse>;
}

interface PathMatch {
  params: Record<string, string>;
  /** The path matched only with its trailing slash added or removed (StrictSlash redirects it). */
  slash: boolean;
}

/** A route's pattern against a path, with gorilla/mux StrictSlash's optional trailing slash. */
function match(pattern: string, pathname: string): PathMatch | undefined {
  const slash = pathname.length > 1 && pathname.endsWith('/');
  const got = (slash ? pathname.slice(0, -1) : pathname).split('/');
  const want = pattern.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, seg] of want.entries()) {
    const actual = got[i] ?? '';
    if (seg.startsWith(':')) {
      if (actual === '') return undefined;
      // Escapes were checked against Go's rule before matching (hasBadEscape); what is left
      // decodes, except a sequence that is not UTF-8, which stays as sent.
      try {
        params[seg.slice(1)] = decodeURIComponent(actual);
      } catch {
        params[seg.slice(1)] = actual;
      }
    } else if (seg !== actual) return undefined;
  }
  return { params, slash };
}

/** The first path segments the routes live under: within them the old router's conventions hold. */
const namespaceOf = (routes: RestRoute[]) => new Set(routes.map((r) => r.path.split('/')[1]));
const firstSegment = (path: string) => path.split('/')[1] ?? '';

/**
 * `maxBodyBytes`: the process's body limit (MAX_BODY_BYTES), for JSON bodies as for GraphQL ones.
 * Within the routes' namespace (`/accounts…`, `/accountsbyname…`, `/health…`) every request
 * is answered here, as the old router answered it: unclean paths and trailing slashes
 * redirected (301), an unknown path `404 page not found`, a method the path does not take
 * `405` with no body. A route's answer closes the connection unless the client asked for
 * keep-alive, and a path with a malformed escape gets net/http's own `400 Bad Request`.
 * Anything else is left to the rest of the gateway.
 */
export function restRouter(routes: RestRoute[], execute: Execute, log: Logger, maxBodyBytes?: number): Route {
  const namespace = namespaceOf(routes);
  return async (req, res, url) => {
    const { path, query } = rawTarget(req, url.pathname);
    const clean = cleanPath(path);
    if (!namespace.has(firstSegment(clean))) return false;
    if (hasBadEscape(path)) {
      sendGoBadRequest(req, res);
      return true;
    }
    if (clean !== path) {
      sendCleanPathRedirect(req, res, clean, query);
      return true;
    }
    try {
      const matched = routes.flatMap((route) => {
        // The parsed path (percent-encoding normalised), which differs from the raw one only in encoding here.
        const m = match(route.path, url.pathname);
        return m ? [{ route, ...m }] : [];
      });
      const hit = matched.find((m) => m.route.method === req.method);
      if (!hit) {
        if (matched.length === 0) sendNotFound(req, res);
        else sendMethodNotAllowed(req, res, [...new Set(matched.map((m) => m.route.method))]);
        return true;
      }
      if (hit.slash) {
        sendStrictSlashRedirect(req, res, path.slice(0, -1), query);
        return true;
      }
      const { route, params } = hit;
      // The handlers' answers, as writeJSONResponse sent them (the router's own 301/404/405 kept the connection).
      closeUnlessKeepAlive(req, res);
      if (route.body && !readsAsJson(req)) {
        req.resume();
        const sent = req.headers['content-type'];
        const got = sent ? `got ${JSON.stringify(sent.slice(0, 100))}` : 'none was sent, from a browser page';
        sendLegacyError(
          res,
          415,
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          `${route.method} ${route.path} takes a JSON body: content-type must be application/json (${got}); nothing was written`,
        );
        return true;
      }
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
      const background = (operation: string, variables: Record<string, unknown>) => {
        execute(operation, variables).then(
          (r) => r.errors?.length && log.warn({ operation, errors: r.errors }, 'background operation failed'),
          (err: unknown) => log.warn({ err, operation }, 'background operation failed'),
        );
      };
      const out = await route.handle({ params, body, req }, run, background);
      if (replayed) out.headers = { ...out.headers, [REPLAYED_HEADER]: 'true' };
      if (out.status >= 500)
        log.warn({ route: `${route.method} ${route.path}`, status: out.status, body: out.body }, 'REST route failed');
      sendLegacy(res, out.status, out.body, out.headers);
    } catch (err) {
      // A client error found before the handler ran (bad JSON, a body over the limit):
      // answered like the old handlers' errors, as text under their content type.
      if (!(err instanceof AppError) || res.headersSent) throw err;
      sendLegacyError(res, err.status, err.code, err.message);
    }
    return true;
  };
}
