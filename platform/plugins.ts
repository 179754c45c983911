/**
 * A server's plugins, one list for both of its execution paths: Apollo Server's pipeline, and a
 * lean path that answers known documents straight from the HTTP layer without it (a subgraph's:
 * subgraphs/kit/lean-route.ts; the gateway's: gateway/lean-route.ts). Each entry is an Apollo
 * Server plugin that also says what it needs when a request takes the lean path, which answers
 * only queries whose result has no errors (everything else goes through Apollo Server):
 *
 * - `lean: { requestDidStart }`: the lean path calls it, as Apollo calls the plugin's own hooks;
 * - `lean: 'mutations-only'`: it acts on mutations only, which never take the lean path;
 * - `lean: 'inert'`: it changes nothing per request (a disabled Apollo default, say);
 * - `lean: 'document-checks'`: it judges the document and its operation, which the lean path
 *   takes only after Apollo Server accepted that very document and operation name;
 * - `lean: 'errors-only'`: it acts only on answers with errors, which the lean path never gives.
 *
 * A plugin that does not say turns the lean path off: every request then goes through Apollo
 * Server and its pipeline, so a plugin added to the list runs for every request, always.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/** What the lean path tells a plugin about one request. */
export interface LeanRequest<Ctx> {
  operationName: string | undefined;
  contextValue: Ctx;
}

export interface LeanHooks<Ctx> {
  /**
   * Called when a request starts on the lean path. `willSendResponse` is called when the lean
   * path answers it; not at all when it hands the request to Apollo Server (whose own hooks of
   * the plugin then see it from the start).
   */
  requestDidStart(request: LeanRequest<Ctx>): { willSendResponse?(): void } | void;
}

export interface ServerPlugin<Ctx extends BaseContext> {
  name: string;
  apollo: ApolloServerPlugin<Ctx>;
  lean?: LeanHooks<Ctx> | 'mutations-only' | 'inert' | 'document-checks' | 'errors-only';
}

/** The Apollo Server plugins of the list, in its order. */
export const apolloPlugins = <Ctx extends BaseContext>(
  plugins: readonly ServerPlugin<Ctx>[],
): ApolloServerPlugin<Ctx>[] => plugins.map((p) => p.apollo);

/**
 * The lean path's hooks of every plugin, or undefined when one of them has not said what it
 * needs there (then nothing may take the lean path).
 */
export function leanHooks<Ctx extends BaseContext>(
  plugins: readonly ServerPlugin<Ctx>[],
): LeanHooks<Ctx>[] | undefined {
  if (plugins.some((p) => p.lean === undefined)) return undefined;
  return plugins.flatMap((p) => (typeof p.lean === 'object' ? [p.lean] : []));
}
