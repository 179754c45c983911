/**
 * How a lean path (a subgraph's: subgraphs/kit/lean-route.ts; the gateway's:
 * gateway/lean-route.ts) gives Apollo Server a request it has already executed. The lean path
 * answers only plain data; anything else (errors, extensions, a throw) is Apollo Server's to
 * format, mask, count and answer. Executing again for that would ask the database or the
 * subgraphs twice for every failing request, twice the load exactly when something is failing.
 * So the lean path leaves the request's outcome here (`leave`); the server's context function
 * puts it into the request's context (`contextFor`); and Apollo Server's execute step, the
 * executor it gets through the gateway interface (`executor`), returns that outcome instead of
 * executing. Apollo Server runs the rest of its pipeline as for any request. One outcome, one
 * request: it is taken once, and nothing outlives the request.
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayExecutionResult, GatewayExecutor } from '@apollo/server-gateway-interface';

/** An execution's outcome: its result, or what it threw. */
export type Outcome = { result: GatewayExecutionResult } | { error: unknown };

const HANDED_OVER = Symbol('outcome of the lean path, for Apollo Server to answer');
type WithOutcome = { [HANDED_OVER]?: Outcome };

/** A context that carries `outcome` to the executor (an operation run in process: `executeOperation`). */
export const contextWith = <Ctx extends object>(context: Ctx, outcome: Outcome): Ctx => ({
  ...context,
  [HANDED_OVER]: outcome,
});

export class Handover {
  private readonly pending = new WeakMap<IncomingMessage, Outcome>();

  /** Leaves `outcome` for Apollo Server's run of the same request. */
  leave(req: IncomingMessage, outcome: Outcome): void {
    this.pending.set(req, outcome);
  }

  /** The request's context for Apollo Server (its context function), with the outcome left for it, if any. */
  contextFor<Ctx extends object>(req: IncomingMessage, context: Ctx): Ctx {
    const outcome = this.pending.get(req);
    if (!outcome) return context;
    this.pending.delete(req);
    return contextWith(context, outcome);
  }

  /** Apollo Server's executor: the outcome handed over with the request, or `execute`'s. */
  executor(execute: GatewayExecutor): GatewayExecutor {
    return async (requestContext) => {
      const outcome = (requestContext.context as WithOutcome)[HANDED_OVER];
      if (!outcome) return execute(requestContext);
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    };
  }
}
