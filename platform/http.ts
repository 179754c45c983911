/**
 * The one HTTP layer every process uses: node:http in front of Apollo Server's
 * `executeHTTPGraphQLRequest`, with liveness (/health) and readiness (/ready) routes,
 * a request body limit, and extra routes a process adds (the gateway's REST shim).
 *
 * Error bodies: on the GraphQL path `{"errors":[{"message","extensions":{"code"}}]}` (the
 * GraphQL-over-HTTP shape); everywhere else `{"error":{"code","message"}}` (sendError),
 * except the legacy REST contract's own bodies (gateway/rest/). Graceful close: drain.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainOnClose } from './drain';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { AppError, ErrorCode } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { requestShapeProblem } from './request-shape';

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Longest time a request (headers and body) may take to arrive, BODY_TIMEOUT_MS. Node's own
 * default (300 s) let a client that trickles a body in hold a connection and a parser for five
 * minutes; past this time Node answers 408 and closes the connection.
 */
export const BODY_TIMEOUT_MS = 10_000;
/** Longest time the request's headers may take (Node's default), never above the body timeout. */
const HEADERS_TIMEOUT_MS = 60_000;

import type { Route } from './route';

export type { Route };

export interface HttpServerOptions<Ctx extends BaseContext> {
  apollo: ApolloServer<Ctx>;
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** Readiness: resolves when the process can serve (databases reachable, ...). */
  ready?: () => Promise<void>;
  routes?: Route[];
  /** Largest GraphQL request body accepted (413 beyond); default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** Longest time a whole request may take to arrive (408 and closed beyond); default BODY_TIMEOUT_MS. */
  bodyTimeoutMs?: number;
  /** Checks a GraphQL request before it runs; returns why it is refused (answered 401). */
  authenticate?: (req: IncomingMessage, rawBody: string, url: URL) => string | undefined;
  log: Logger;
  /** Where this server's requests are counted and which registry GET /metrics serves (platform/metrics.ts). */
  metrics: Metrics;
  graphqlPath?: string;
  /**
   * Answers a JSON POST on the GraphQL path before Apollo Server when it can (the lean paths for
   * known queries: subgraphs/kit/lean-route.ts, gateway/lean-route.ts); undefined: Apollo Server
   * answers (with what the lean path handed over: platform/handover.ts).
   * Runs after `authenticate` and the body limit.
   */
  shortcut?: (req: IncomingMessage, body: unknown) => Promise<GraphQLAnswer | undefined>;
}

/** A complete answer on the GraphQL path. */
export interface GraphQLAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** An error outside the GraphQL path and the legacy REST contract: its code's status, `{"error":{"code","message"}}`. */
export function sendError(res: ServerResponse, err: AppError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, err.toBody(), headers);
}

/** An error on the GraphQL path (GraphQL over HTTP): its code's status, a list of errors with extensions.code. */
export function sendGraphQLError(res: ServerResponse, err: AppError): void {
  sendJson(res, err.status, err.toGraphQLBody());
}

const tooLarge = (size: number, limit: number) =>
  new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `request body of ${size} bytes exceeds the limit of ${limit} bytes`);

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(declared, limit));
  // Past the limit the rest is read and discarded rather than abandoned: leaving the body
  // unread mid-stream wedges the keep-alive connection (server.close() then waits for
  // keepAliveTimeout), so the 413 is sent once the request has been drained. Listeners, not
  // `for await`: the stream's async iterator showed in the subgraphs' profile (BENCHMARKS.md,
  // "Performance II, last pass").
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('error', reject);
    req.once('close', () => reject(new Error('the request closed before its body was read'))); // after 'end': a no-op
    req.once('end', () => {
      if (size > limit) reject(tooLarge(size, limit));
      else resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
    });
  });
}

export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  return parseJson(await readBody(req, limit));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The request's headers as Apollo Server takes them. */
export function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function serveGraphQL<Ctx extends BaseContext>(
  opts: HttpServerOptions<Ctx>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) {
  const raw = req.method === 'POST' ? await readBody(req, opts.maxBodyBytes) : '';
  const refused = opts.authenticate?.(req, raw, url);
  if (refused) {
    sendGraphQLError(res, new AppError(ErrorCode.UNAUTHENTICATED, refused));
    return;
  }
  const isJson = (req.headers['content-type'] ?? '').includes('json');
  const body = req.method === 'POST' && isJson ? parseJson(raw) : req.method === 'POST' ? raw : undefined;
  const shape = requestShapeProblem(body, url.searchParams);
  if (shape) {
    sendGraphQLError(res, new AppError(ErrorCode.BAD_USER_INPUT, shape));
    return;
  }
  const answer = isJson && body !== undefined ? await opts.shortcut?.(req, body) : undefined;
  if (answer) {
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return;
  }
  const result = await opts.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req), search: url.search, body },
    context: () => opts.context(req),
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of result.headers) headers[k] = v;
  res.writeHead(result.status ?? 200, headers);
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * Liveness (/health, /live), readiness (/ready: databases, subgraphs...) and /metrics. Why
 * a process is not ready (database addresses, driver text) goes to its log; the answer
 * says only that it is not.
 */
function builtinRoutes(ready: (() => Promise<void>) | undefined, log: Logger, metrics: Metrics): Route {
  return async (req, res, url) => {
    if (req.method !== 'GET') return false;
    if (url.pathname === '/health' || url.pathname === '/live') {
      sendJson(res, 200, { status: 'UP' });
      return true;
    }
    if (url.pathname === '/ready') {
      try {
        await ready?.();
        sendJson(res, 200, { status: 'READY' });
      } catch (err) {
        log.warn({ err }, 'readiness check failed');
        const notReady = new AppError(
          ErrorCode.NOT_READY,
          'not ready: a dependency of this process does not answer (the reason is in its log)',
        );
        sendJson(res, notReady.status, { status: 'NOT_READY', ...notReady.toBody() });
      }
      return true;
    }
    return metrics.route(req, res, url);
  };
}

export interface RunningHttpServer {
  server: http.Server;
  port: number;
  url: string;
  /** Stops accepting, answers in-flight requests with `Connection: close`, closes idle connections (drain.ts). */
  close(graceMs?: number): Promise<void>;
}

export async function startHttpServer<Ctx extends BaseContext>(
  opts: HttpServerOptions<Ctx>,
  listen: { host: string; port: number },
): Promise<RunningHttpServer> {
  const graphqlPath = opts.graphqlPath ?? '/graphql';
  const builtin = builtinRoutes(opts.ready, opts.log, opts.metrics);
  const requestTimeout = opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const timeouts = {
    requestTimeout,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
    // Node checks the timeouts every 30 s by default: a 10 s timeout would act after up to 40 s.
    connectionsCheckingInterval: Math.min(1_000, requestTimeout),
  };
  const server = http.createServer(timeouts, (req, res) => {
    drain.track(req, res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const end = opts.metrics.httpRequests.startTimer({ method: req.method ?? 'GET' });
    res.once('finish', () => end({ status: String(res.statusCode) }));
    const handle = async () => {
      // A process's own routes come first: they may answer /health in their own way (the
      // gateway's REST shim keeps the old service's /health contract), or a browser's page
      // request on the GraphQL path (the playground).
      for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
      if (url.pathname === graphqlPath) return serveGraphQL(opts, req, res, url);
      if (await builtin(req, res, url)) return;
      sendError(res, new AppError(ErrorCode.NOT_FOUND, `no route for ${req.method} ${url.pathname}`));
    };
    const fail = url.pathname === graphqlPath ? sendGraphQLError : sendError;
    handle().catch((err: unknown) => {
      if (err instanceof AppError) {
        if (!res.headersSent) fail(res, err);
        return;
      }
      opts.log.error({ err, path: url.pathname }, 'request failed');
      if (!res.headersSent) fail(res, new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'internal server error'));
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  const drain = drainOnClose(server, opts.log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${listen.host}:${port}${graphqlPath}`,
    close: (graceMs?: number) => drain.close(graceMs),
  };
}
