/**
 * The lean path of a subgraph's GraphQL endpoint: a query this process has already served
 * once through Apollo Server's whole pipeline (parsed, validated, run compiled:
 * kit/compiled-executor.ts) is answered the next time straight from the HTTP layer — request
 * body, compiled function, JSON — without Apollo's per-request pipeline (its request context,
 * plugin hooks, header maps, response assembly), which the profile put above execution itself
 * (BENCHMARKS.md, "Performance II"). A gateway sends a handful of documents over and
 * over, so nearly every request it makes takes this path.
 *
 * It is one execution path with Apollo Server's, not a second one beside it:
 * - the same plugins run: the subgraph's one plugin list (platform/plugins.ts) gives the lean
 *   path each plugin's hooks, and a plugin that does not say what it needs here keeps every
 *   request on Apollo Server (kit/subgraph.ts passes no lean path then);
 * - the same context function makes each request's context (fresh loaders);
 * - only a result **without errors** is answered here, as Apollo Server would (status 200, its
 *   content type, its field order). A result with errors is handed to Apollo Server with it
 *   (platform/handover.ts): Apollo formats, masks and counts the errors itself, without
 *   executing again (no second copy of its error handling, no second trip to the database).
 * Request signatures are checked before either path (platform/http.ts).
 *
 * Apollo Server answers everything else: a document not yet known (its first request is what
 * validates it), mutations, introspection, a body with `extensions` (persisted queries), an
 * `accept` header asking for another media type, variables that do not coerce (nothing has
 * run; Apollo words the error), anything malformed.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLAnswer } from '../../platform/http';
import { APPLICATION_JSON, leanRequest, resultJson } from '../../platform/lean-request';
import type { Handover } from '../../platform/handover';
import type { LeanHooks } from '../../platform/plugins';
import { runCompiled, type CompiledExecution } from './compiled-executor';

export interface LeanRouteOptions<Ctx> {
  execution: CompiledExecution;
  /** The per-request context, the same function Apollo Server is given. */
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** The lean hooks of the subgraph's plugins (platform/plugins.ts `leanHooks`). */
  plugins: LeanHooks<Ctx>[];
  /** Where a result with errors goes to Apollo Server (the server's context function takes it). */
  handover: Handover;
}

/** Counts of the lean path's answers land in `execution.paths.lean`. */
export function leanRoute<Ctx>(opts: LeanRouteOptions<Ctx>) {
  return async (req: IncomingMessage, body: unknown): Promise<GraphQLAnswer | undefined> => {
    const request = leanRequest(req, body);
    const known = request && opts.execution.known(request.query, request.operationName);
    if (!request || !known) return undefined;
    const contextValue = await opts.context(req);
    const started = { operationName: known.operationName ?? undefined, contextValue };
    const hooks = opts.plugins.map((plugin) => plugin.requestDidStart(started));
    const result = await runCompiled(known.query, contextValue, request.variables);
    // Nothing ran (variables that do not coerce): Apollo Server answers, and words it.
    if (result === 'variables') return undefined;
    if (result.errors) {
      opts.execution.paths['handed-over']++;
      opts.handover.leave(req, { result });
      return undefined;
    }
    opts.execution.paths.lean++;
    for (const hook of hooks) hook?.willSendResponse?.();
    return {
      status: 200,
      headers: { 'content-type': APPLICATION_JSON },
      body: resultJson(result.data, result.extensions),
    };
  };
}
