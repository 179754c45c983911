/**
 * Identical queries answered by one execution (`GATEWAY_COALESCE`): an identical query (same
 * document, operation name and variables) that arrives while the gateway executes one waits
 * for a shared execution instead of running the same query plan on its own. The subgraph-level
 * sharing (resilience.ts) saves the subgraphs; this saves the gateway's own plan execution and
 * result merging, which is most of its work on a hot document (a landing page, a popular
 * account) that many clients ask for at once.
 *
 * Read-your-writes across gateway replicas: a query shares only an execution that starts after
 * it arrived (gather.ts): a query behind an identical execution under way gathers the
 * identical ones arriving within the gathering window, and they run one execution together.
 * So whatever write any gateway acknowledged before a query arrived, the execution that
 * answers it reads after that write, with no coordination between gateways.
 *
 * What a waiting request gets is a copy of the shared execution's finished response (data,
 * errors, status, headers): a failure or a timeout is everyone's answer at once (an honest
 * one: the execution started after each of them arrived), so nobody waits for a failure and
 * then runs again on its own. Only when the shared execution ends without a response (it threw
 * before answering) does each waiting request run its own.
 * It still went through parsing, validation and the query limits itself (this runs after
 * them, in `responseForOperation`). Never mutations. Nothing outlives the execution. The
 * gateway knows no client identity (no per-client headers reach the subgraphs), so document,
 * operation name and variables are the whole identity of a query: a gateway that adds client
 * auth must add the caller to the key.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { Gather, type GatherOptions } from './upstream/gather';

interface Shared {
  result: FormattedExecutionResult;
  status?: number;
  headers: [string, string][];
}

/** `gather.onShared`: called for each request answered by another's execution (metrics.ts counts them). */
export function coalescePlugin(gather: GatherOptions): ApolloServerPlugin {
  const executions = new Gather<Shared | undefined>(gather);
  return {
    async requestDidStart() {
      /** Set when this request leads an execution: what the others get. */
      let settle: ((shared: Shared | undefined) => void) | undefined;
      const finish = (shared: Shared | undefined) => {
        settle?.(shared);
        settle = undefined;
      };
      return {
        async responseForOperation({ operation, queryHash, request }): Promise<GraphQLResponse | null> {
          if (operation?.operation !== 'query') return null;
          const key = `${queryHash}\n${request.operationName ?? ''}\n${JSON.stringify(request.variables ?? {})}`;
          let lead!: () => void;
          const leading = new Promise<'lead'>((resolve) => (lead = () => resolve('lead')));
          const outcome = executions.run(
            key,
            () =>
              new Promise<Shared | undefined>((resolve) => {
                settle = resolve;
                lead();
              }),
          );
          const shared = await Promise.race([leading, outcome]);
          if (shared === 'lead' || !shared) return null;
          return {
            body: { kind: 'single', singleResult: structuredClone(shared.result) },
            http: { status: shared.status, headers: new HeaderMap(shared.headers) },
          };
        },
        async willSendResponse({ response }) {
          const { body } = response;
          finish(
            body.kind === 'single'
              ? { result: body.singleResult, status: response.http.status, headers: [...response.http.headers] }
              : undefined,
          );
        },
      };
    },
  };
}
