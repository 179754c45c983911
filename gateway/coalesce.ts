/**
 * Identical queries answered by one execution (`GATEWAY_COALESCE`): an identical query (same
 * document, operation name and variables) that arrives while the gateway executes one waits
 * for a shared execution instead of running the same query plan on its own. The subgraph-level
 * sharing (upstream/gather.ts in the fetcher) saves the subgraphs; this saves the gateway's own
 * plan execution and result merging, which is most of its work on a hot document (a landing
 * page, a popular account) that many clients ask for at once.
 *
 * It wraps the gateway's executor (lean-executor.ts), the one both paths run, so a query on
 * Apollo Server's path and one on the lean path (lean-route.ts) share with each other.
 *
 * Read-your-writes across gateway replicas: a query shares only an execution that starts after
 * it arrived (gather.ts): a query behind an identical execution under way gathers the
 * identical ones arriving within the gathering window, and they run one execution together.
 * So whatever write any gateway acknowledged before a query arrived, the execution that
 * answers it reads after that write, with no coordination between gateways.
 *
 * What a waiting request gets is the shared execution's outcome: its result (a copy of the top
 * level; `data` is shared and nothing writes to it) or what it threw. Each request's own run of
 * Apollo Server formats, masks and counts it, so a failure or a timeout is everyone's answer at
 * once (an honest one: the execution started after each of them arrived), and nobody waits for
 * a failure and then runs again on its own. Every request went through parsing, validation, the
 * query limits and the plugins' checks itself (the executor is the pipeline's last step). Never
 * mutations. Nothing outlives the execution. The gateway knows no client identity (no
 * per-client headers reach the subgraphs), so document, operation name and variables are the
 * whole identity of a query: a gateway that adds client auth must add the caller to the key.
 */
import type { GatewayExecutor } from '@apollo/server-gateway-interface';
import { Gather, type GatherOptions } from './upstream/gather';

/** `gather.onShared`: called for each request answered by another's execution (metrics.ts counts them). */
export function coalescing(executor: GatewayExecutor, gather: GatherOptions): GatewayExecutor {
  const executions = new Gather<Awaited<ReturnType<GatewayExecutor>>>(gather);
  return async (requestContext) => {
    const { request, operation, source } = requestContext;
    if (operation.operation !== 'query') return executor(requestContext);
    const key = `${source}\n${request.operationName ?? ''}\n${JSON.stringify(request.variables ?? {})}`;
    return { ...(await executions.run(key, () => executor(requestContext))) };
  };
}
