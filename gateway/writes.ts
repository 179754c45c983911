/**
 * Writes through the gateway: the client's Idempotency-Key travels to the subgraph that owns
 * the write (the only subgraph request of a plan that is a mutation), a replayed answer is
 * marked as such, and a write the gateway cannot vouch for is reported as what it is:
 * - not sent (refused connection, open circuit): SUBGRAPH_UNAVAILABLE, nothing was written;
 * - sent but unanswered (timeout, connection lost, 5xx): OUTCOME_UNKNOWN, it may have been
 *   applied: retry with the same key, or read it back.
 * The plugin refuses a key on a document with several mutation fields (one key, one write).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { BrokenCircuitError } from 'cockatiel';
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { AppError, ErrorCode, graphqlError } from '../platform/errors';
import { isNetworkError, wasNotSent } from '../platform/network-errors';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER, keyProblem } from '../platform/idempotency-key';

/** The gateway's per-request context. */
export interface GatewayContext {
  /** The client's Idempotency-Key header, as sent. */
  idempotencyKey?: string;
  /** Set when the owning subgraph answered with a stored result (REPLAYED_HEADER). */
  replayed?: boolean;
}

/** The headers a write sends its subgraph besides the body's: the client's Idempotency-Key, when it gave one. */
export function writeHeaders(context: GatewayContext): Record<string, string> | undefined {
  return context.idempotencyKey === undefined ? undefined : { [IDEMPOTENCY_HEADER]: context.idempotencyKey };
}

/** Notes an answer the owning subgraph marked as replayed (its REPLAYED_HEADER value). */
export function noteReplay(replayed: string | undefined, context: GatewayContext): void {
  if (replayed === 'true') context.replayed = true;
}

const RETRY_ADVICE = 'retry with the same Idempotency-Key header, or read the data back before writing again';

/** The error a failed subgraph write becomes: not sent, refused by the subgraph, or unknown. */
export function writeFailure(subgraph: string, err: unknown): unknown {
  const extensions = { serviceName: subgraph };
  if (err instanceof BrokenCircuitError || wasNotSent(err)) {
    const why = err instanceof BrokenCircuitError ? 'circuit open after repeated failures' : (err as Error).message;
    return graphqlError(
      ErrorCode.SUBGRAPH_UNAVAILABLE,
      `subgraph ${subgraph} is unavailable (${why}); the write was not sent, nothing was written`,
      extensions,
    );
  }
  const status = (err as { extensions?: { response?: { status?: number } } } | undefined)?.extensions?.response?.status;
  if (isNetworkError(err) || (typeof status === 'number' && status >= 500)) {
    const why = typeof status === 'number' ? `it answered ${status}` : `no answer: ${(err as Error).message}`;
    return graphqlError(
      ErrorCode.OUTCOME_UNKNOWN,
      `subgraph ${subgraph} did not confirm the write (${why}); it may or may not have been applied: ${RETRY_ADVICE}`,
      extensions,
    );
  }
  return err; // the subgraph answered and refused (4xx): nothing was done
}

/** The root fields of an operation's selection, through fragments, without __typename. */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): string[] {
  return selectionSet.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) return s.name.value === '__typename' ? [] : [s.name.value];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFields(s.selectionSet, fragments, seen);
    const fragment = fragments[s.name.value];
    if (!fragment || seen.has(s.name.value)) return [];
    seen.add(s.name.value);
    return rootFields(fragment.selectionSet, fragments, seen);
  });
}

/** Refused before the operation runs: answered with BAD_USER_INPUT's 400. */
const refuse = (message: string) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { field: 'Idempotency-Key' }).toGraphQLError({ httpStatus: true });

/** Checks a mutation's Idempotency-Key (queries ignore it) and marks replayed answers. */
export const idempotencyPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, document, contextValue }) {
        const key = contextValue.idempotencyKey;
        if (key === undefined || operation?.operation !== 'mutation') return;
        const problem = keyProblem(key);
        if (problem) throw refuse(problem);
        const fragments = Object.fromEntries(
          document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
        );
        const fields = rootFields(operation.selectionSet, fragments);
        if (fields.length !== 1) {
          throw refuse(
            `an Idempotency-Key covers exactly one mutation field; this operation has ${fields.length} (${fields.join(', ')}): send each write as its own request with its own key`,
          );
        }
      },
      async willSendResponse({ response, contextValue }) {
        if (contextValue.replayed) response.http.headers.set(REPLAYED_HEADER, 'true');
      },
    };
  },
};
