/**
 * Identical queries in flight at once answered by one execution (`GATEWAY_COALESCE`): while
 * the gateway executes a query, an identical one (same document, operation name and variables)
 * waits for that response instead of running the same query plan again. The subgraph-level
 * sharing (dedup.ts) saves the subgraphs; this saves the gateway's own plan execution and
 * result merging, which is most of its work on a hot document (a landing page, a popular
 * account) that many clients ask for at once.
 *
 * What a waiting request gets is a copy of the first one's finished response (data, status,
 * headers), what it would have got had it arrived a moment earlier; a response with errors is
 * not shared (each waiting request then executes on its own).
 * It still went through parsing, validation and the query limits itself (this runs after
 * them, in `responseForOperation`). Never mutations. Read-your-writes as in dedup.ts: a query
 * joins only an execution started since the last write settled through this gateway (the
 * same WriteFence). Nothing outlives the execution in flight. The gateway knows no client
 * identity (no per-client headers reach the subgraphs), so document, operation name and
 * variables are the whole identity of a query: a gateway that adds client auth must add the
 * caller to the key.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import type { WriteFence } from './dedup';

interface Shared {
  result: FormattedExecutionResult;
  status?: number;
  headers: [string, string][];
}

interface Execution {
  generation: number;
  /** The first request's response; undefined when it ended without one to share (then each runs its own). */
  response: Promise<Shared | undefined>;
}

/** `onShared`: called for each request answered by another's execution (metrics.ts counts them). */
export function coalescePlugin(fence: WriteFence, onShared: () => void = () => {}): ApolloServerPlugin {
  const executing = new Map<string, Execution>();
  return {
    async requestDidStart() {
      let lead: { key: string; execution: Execution; settle(shared: Shared | undefined): void } | undefined;
      const finish = (shared: Shared | undefined) => {
        if (!lead) return;
        lead.settle(shared);
        if (executing.get(lead.key) === lead.execution) executing.delete(lead.key);
        lead = undefined;
      };
      return {
        async responseForOperation({ operation, queryHash, request }): Promise<GraphQLResponse | null> {
          if (operation?.operation !== 'query') return null;
          const key = `${queryHash}\n${request.operationName ?? ''}\n${JSON.stringify(request.variables ?? {})}`;
          const current = executing.get(key);
          if (current && current.generation === fence.generation) {
            const shared = await current.response;
            if (!shared) return null;
            onShared();
            return {
              body: { kind: 'single', singleResult: structuredClone(shared.result) },
              http: { status: shared.status, headers: new HeaderMap(shared.headers) },
            };
          }
          let settle!: (shared: Shared | undefined) => void;
          const execution: Execution = {
            generation: fence.generation,
            response: new Promise((resolve) => (settle = resolve)),
          };
          executing.set(key, execution);
          lead = { key, execution, settle };
          return null;
        },
        async willSendResponse({ response }) {
          const { body } = response;
          // An answer with errors is not shared: each waiting request runs its own execution
          // (a transient failure is each one's to retry, as in dedup.ts).
          finish(
            body.kind === 'single' && !body.singleResult.errors?.length
              ? { result: body.singleResult, status: response.http.status, headers: [...response.http.headers] }
              : undefined,
          );
        },
      };
    },
  };
}
