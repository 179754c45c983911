/**
 * The gateway's data source for each subgraph: Apollo's RemoteGraphQLDataSource over the
 * subgraph's fetcher (upstream/fetcher.ts, where the fetch-level pieces are composed: dedup,
 * retry, deadlines, signing, replica choice, per-replica breakers). What is left here is what
 * needs Apollo's view of a call:
 * - the subgraph's circuit breaker (upstream/breaker.ts) around each query call, which counts
 *   the errors Apollo makes of a call that got no real answer;
 * - those failures named for clients: SUBGRAPH_UNAVAILABLE with the subgraph's name;
 * - writes told apart (writes.ts): marked for the fetcher (their own, longer deadline; sent
 *   once), the client's Idempotency-Key forwarded, a replayed answer noted, and an honest answer
 *   when the write may have happened (OUTCOME_UNKNOWN); their failures never open the circuit
 *   that reads depend on.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { BrokenCircuitError, CircuitState, type CircuitBreakerPolicy } from 'cockatiel';
import { ErrorCode, graphqlError } from '../platform/errors';
import type { ClientResponse } from '../platform/http-client';
import type { GatewayMetrics } from './metrics';
import { isTransient } from './upstream/breaker';
import type { SubgraphFetcher } from './upstream/fetcher';
import type { Gather } from './upstream/gather';
import type { ReplicaSet } from './upstream/replicas';
import { forwardWriteHeaders, noteReplay, writeFailure, type GatewayContext } from './writes';

/** The query planner prints the operation first; leading comments are tolerated anyway. */
export const isMutation = (query: string | undefined) => /^\s*(#[^\n]*\n\s*)*mutation\b/.test(query ?? '');

export class ResilientDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly replicas: ReplicaSet;
  readonly inFlight: Gather<ClientResponse> | undefined;
  private readonly metrics: GatewayMetrics;

  constructor(readonly upstream: SubgraphFetcher) {
    super({ url: upstream.url, fetcher: upstream.fetch });
    this.name = upstream.name;
    this.breaker = upstream.breaker;
    this.replicas = upstream.replicas;
    this.inFlight = upstream.inFlight;
    this.metrics = upstream.metrics;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (isMutation(options.request.query)) forwardWriteHeaders(options.request.http?.headers, options.context);
  }

  override didReceiveResponse<T>({
    response,
    context,
  }: {
    response: T & { http?: { headers?: { get(name: string): string | null } } };
    context: GatewayContext;
  }): T {
    noteReplay(response.http?.headers, context);
    return response;
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const send = () => super.process(options);
    const end = this.metrics.subgraphRequests.startTimer({ subgraph: this.name });
    if (isMutation(options.request.query)) return this.write(send, end);
    try {
      const result = await this.breaker.execute(send);
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: err instanceof BrokenCircuitError ? 'circuit_open' : 'error' });
      if (!isTransient(err) && !(err instanceof BrokenCircuitError)) throw err;
      // Name the subgraph, so clients (and the REST shim) know which part is missing.
      const reason =
        err instanceof BrokenCircuitError ? 'circuit open after repeated failures' : (err as Error).message;
      throw graphqlError(ErrorCode.SUBGRAPH_UNAVAILABLE, `subgraph ${this.name} is unavailable: ${reason}`, {
        serviceName: this.name,
      });
    }
  }

  /**
   * A mutation: sent once, never retried, and outside the breaker's count (a slow write must
   * not cut reads off). An open circuit still refuses it up front: then nothing was sent.
   */
  private async write(
    send: () => Promise<GatewayGraphQLResponse>,
    end: (labels: { outcome: string }) => void,
  ): Promise<GatewayGraphQLResponse> {
    if (this.breaker.state === CircuitState.Open) {
      end({ outcome: 'circuit_open' });
      throw writeFailure(this.name, new BrokenCircuitError());
    }
    try {
      const result = await send();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: 'error' });
      throw writeFailure(this.name, err);
    }
  }
}
