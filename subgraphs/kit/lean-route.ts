/**
 * The lean path of a subgraph's GraphQL endpoint: a query this process has already served
 * once through Apollo Server's whole pipeline (parsed, validated, run compiled:
 * kit/compiled-executor.ts) is answered the next time straight from the HTTP layer — request
 * body, compiled function, JSON — without Apollo's per-request pipeline (its request context,
 * plugin hooks, header maps, response assembly), which the profile put above execution itself
 * (BENCHMARKS.md, "Performance II"). A gateway sends a handful of documents over and
 * over, so nearly every request it makes takes this path.
 *
 * What the client sees is what Apollo Server would send (tests/compiled-execution.e2e.ts
 * compares both, errors included): the same context per request (fresh loaders), the same
 * error formatting (Apollo's code default, development stack traces, then this subgraph's
 * `formatError`, the masking), the same status and content type, the same operation metrics.
 * Request signatures are checked before either path (platform/http.ts).
 *
 * Apollo Server answers everything else: a document not yet known (its first request is what
 * validates it), mutations, introspection, a body with `extensions` (persisted queries), an
 * `accept` header asking for another media type, variables that do not coerce (nothing has
 * run; Apollo words the error), anything malformed.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GraphQLAnswer } from '../../platform/http';
import type { Metrics } from '../../platform/metrics';
import { runCompiled, type CompiledExecution } from './compiled-executor';

export interface LeanRouteOptions<Ctx> {
  execution: CompiledExecution;
  /** The per-request context, the same function Apollo Server is given. */
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** Apollo Server's `formatError` of this subgraph (kit/mask.ts). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Apollo Server's `includeStacktraceInErrorResponses`. */
  includeStacktrace: boolean;
  metrics: Metrics;
  service: string;
}

/** Apollo Server's media type for a single JSON result (when the request's `accept` allows it). */
const APPLICATION_JSON = 'application/json; charset=utf-8';

/** `accept` values for which Apollo Server picks plain JSON (no header, anything, JSON itself). */
const acceptsJson = (accept: string | undefined) =>
  accept === undefined || accept === '*/*' || accept === 'application/json';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Request {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

/** The body as the lean path takes it; undefined: anything else (Apollo Server answers, and judges). */
function leanRequest(req: IncomingMessage, body: unknown): Request | undefined {
  if (!isRecord(body) || !(req.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
  if (!acceptsJson(req.headers.accept)) return undefined;
  const { query, operationName, variables } = body;
  if (typeof query !== 'string' || body.extensions !== undefined) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
  return { query, operationName: operationName ?? undefined, variables: variables ?? undefined };
}

/** Apollo Server's error formatting (its errorNormalize.ts), reproduced for the lean path. */
function errorFormatter(opts: Pick<LeanRouteOptions<unknown>, 'formatError' | 'includeStacktrace'>) {
  const enrich = (head: { status: number; headers: Record<string, string> }, thrown: unknown) => {
    const error =
      thrown instanceof GraphQLError
        ? thrown
        : thrown instanceof Error
          ? new GraphQLError(thrown.message, { originalError: thrown })
          : new GraphQLError(`Unexpected error value: ${String(thrown)}`);
    const extensions: Record<string, unknown> = {
      ...error.extensions,
      code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR',
    };
    const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
    if (http && typeof http === 'object') {
      if (typeof http.status === 'number') head.status = http.status;
      if (http.headers instanceof Map) for (const [k, v] of http.headers) head.headers[String(k)] = String(v);
      delete extensions.http;
    }
    if (opts.includeStacktrace) extensions.stacktrace = error.stack?.split('\n');
    return { ...error.toJSON(), extensions } as GraphQLFormattedError;
  };
  return (errors: readonly GraphQLError[]) => {
    const head = { status: 200, headers: {} as Record<string, string> };
    const formatted = errors.map((error) => {
      try {
        return opts.formatError(enrich(head, error), error);
      } catch (formattingError) {
        return opts.includeStacktrace
          ? enrich(head, formattingError)
          : { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    });
    return { head, formatted };
  };
}

/** Counts of the lean path's answers land in `execution.paths.lean`. */
export function leanRoute<Ctx>(opts: LeanRouteOptions<Ctx>) {
  const format = errorFormatter(opts);
  return async (req: IncomingMessage, body: unknown): Promise<GraphQLAnswer | undefined> => {
    const request = leanRequest(req, body);
    const known = request && opts.execution.known(request.query, request.operationName);
    if (!request || !known) return undefined;
    const done = opts.metrics.operationTimer(opts.service);
    const result = await runCompiled(known.query, await opts.context(req), request.variables);
    if (result === 'variables') return undefined; // nothing ran; Apollo Server answers with its wording
    opts.execution.paths.lean++;
    const { head, formatted } = result.errors
      ? format(result.errors)
      : { head: { status: 200, headers: {} }, formatted: undefined };
    done(known.operationName, formatted);
    return {
      status: head.status,
      headers: { ...head.headers, 'content-type': APPLICATION_JSON },
      // Apollo Server's field order and trailing newline.
      body: `${JSON.stringify({ errors: formatted, data: result.data, extensions: result.extensions })}\n`,
    };
  };
}
