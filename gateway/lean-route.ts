/**
 * The gateway's lean path: a query this process has already executed once through Apollo
 * Server's whole pipeline (lean-executor.ts notes it) is answered the next time straight from the
 * HTTP layer — request body, the gateway's executor with its cached query plan, one
 * serialisation — without Apollo Server's per-request pipeline (its request context, document
 * cache lookups, plugin hooks, header maps, response assembly). The gateway answers a handful of
 * documents over and over (the REST shim's, a client's), so most requests take this path.
 *
 * It is one execution path with Apollo Server's, not a second one beside it:
 * - the same executor (lean-executor.ts): the same plan, data sources (signatures, retries,
 *   breakers, replicas, deduplication), result shaping;
 * - the same plugins: the gateway's one plugin list (platform/plugins.ts) gives this path each
 *   plugin's hooks (the operation metrics), and a plugin that does not say what it needs here
 *   turns the path off (server.ts then passes none);
 * - the same context function makes each request's context;
 * - only a result with **plain data** is answered here, as Apollo Server would (status 200, its
 *   headers, its field order). Anything else (errors, extensions, a cacheable hint, a throw) is
 *   handed to Apollo Server with its outcome, which formats, masks and counts it as always,
 *   without executing again (platform/handover.ts);
 * - identical queries share executions with each other and with Apollo Server's path
 *   (coalesce.ts wraps the executor), under the read-your-writes rule; an answer shared by
 *   several requests is serialised once.
 * Queries only (mutations are never noted as known). Apollo Server answers everything else: a
 * document not yet executed, a body with `extensions`, an `accept` other than JSON's, anything
 * malformed (platform/lean-request.ts). The REST shim runs its operations through `run` too
 * (server.ts), in process, with the same rules.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLAnswer } from '../platform/http';
import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import { APPLICATION_JSON, leanRequest, resultJson, type LeanBody } from '../platform/lean-request';
import type { LeanHooks } from '../platform/plugins';
import type { LeanExecutor, LeanOutcome } from './lean-executor';
import type { GatewayMetrics } from './metrics';
import type { GatewayContext } from './writes';

export interface GatewayLeanPathOptions {
  executor: LeanExecutor;
  /** The per-request context, the same function Apollo Server is given. */
  context: (req: IncomingMessage) => Promise<GatewayContext>;
  /** The lean hooks of the gateway's plugins (platform/plugins.ts `leanHooks`). */
  plugins: LeanHooks<GatewayContext>[];
  metrics: GatewayMetrics;
}

/** Apollo Server's headers on a gateway answer with data (its cache-control plugin: nothing cacheable). */
const HEADERS = { 'cache-control': 'no-store', 'content-type': APPLICATION_JSON };

/** A lean run: the result when it is plain data (answered on the lean path), else the outcome for Apollo Server. */
export type LeanRun = { plain: GatewayExecutionResult } | { outcome: LeanOutcome };

const isPlain = (result: GatewayExecutionResult) => !result.errors?.length && result.extensions === undefined;

export function leanPath(opts: GatewayLeanPathOptions) {
  /**
   * Runs a known query with the plugins' lean hooks; undefined when it is not known. A plain
   * result counts as the lean path's answer; anything else is for Apollo Server to answer.
   */
  const run = async (
    body: LeanBody,
    contextValue: GatewayContext,
    req?: IncomingMessage,
  ): Promise<LeanRun | undefined> => {
    const known = opts.executor.knownQuery(body.query, body.operationName);
    if (!known) return undefined;
    const started = { operationName: known.operationName ?? undefined, contextValue };
    const hooks = opts.plugins.map((plugin) => plugin.requestDidStart(started));
    const outcome = await opts.executor.run(known, body, contextValue, req);
    if (outcome.cacheable || !('result' in outcome) || !isPlain(outcome.result)) return { outcome };
    opts.metrics.leanAnswers.inc();
    for (const hook of hooks) hook?.willSendResponse?.();
    return { plain: outcome.result };
  };
  // Coalesced requests get copies of one result around the same `data`: serialised once.
  const answers = new WeakMap<object, GraphQLAnswer>();
  const answer = (result: GatewayExecutionResult): GraphQLAnswer => {
    const data = result.data ?? undefined;
    const known = data && answers.get(data);
    if (known) return known;
    const made = { status: 200, headers: HEADERS, body: resultJson(result.data) };
    if (data) answers.set(data, made);
    return made;
  };
  return {
    run,
    /** The HTTP layer's shortcut (platform/http.ts): the answer, or undefined for Apollo Server (with the outcome handed over). */
    shortcut: async (req: IncomingMessage, body: unknown): Promise<GraphQLAnswer | undefined> => {
      const request = leanRequest(req, body);
      const lean = request && (await run(request, await opts.context(req), req));
      if (!lean) return undefined;
      if ('plain' in lean) return answer(lean.plain);
      // A cacheable hint: Apollo Server executes again and decides the headers itself.
      if (!lean.outcome.cacheable) opts.executor.handover.leave(req, lean.outcome);
      return undefined;
    },
  };
}
