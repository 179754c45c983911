/**
 * The gateway's data source for each subgraph: @apollo/gateway's GraphQLDataSource interface
 * (`process`) over the subgraph's fetcher (upstream/fetcher.ts, where the fetch-level pieces
 * are composed: dedup, retry, deadlines, signing, replica choice, per-replica breakers), with the
 * request and the answer as GraphQL over HTTP (upstream/graphql-over-http.ts: one JSON body, no
 * fetch objects). What is done here needs the query plan's view of a call:
 * - the subgraph's circuit breaker (upstream/breaker.ts) around each query call, which counts
 *   the calls that got no real answer;
 * - those failures named for clients: SUBGRAPH_UNAVAILABLE with the subgraph's name;
 * - writes told apart (writes.ts): sent once with their own, longer deadline, the client's
 *   Idempotency-Key forwarded, a replayed answer noted, and an honest answer when the write may
 *   have happened (OUTCOME_UNKNOWN); their failures never open the circuit that reads depend on;
 * - the subgraph's Cache-Control as a hint on the client request's cache policy;
 * - each call's latency and outcome (metrics.ts).
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { BrokenCircuitError, CircuitState, type CircuitBreakerPolicy } from 'cockatiel';
import { ErrorCode, graphqlError } from '../platform/errors';
import type { ClientResponse } from '../platform/http-client';
import { REPLAYED_HEADER } from '../platform/idempotency-key';
import type { GatewayMetrics } from './metrics';
import { isTransient } from './upstream/breaker';
import type { SubgraphFetcher } from './upstream/fetcher';
import type { Gather } from './upstream/gather';
import { cacheHint, graphqlResponse, header, subgraphRequest, type CacheHint } from './upstream/graphql-over-http';
import type { ReplicaSet } from './upstream/replicas';
import { noteReplay, writeFailure, writeHeaders, type GatewayContext } from './writes';

/** The query planner prints the operation first; leading comments are tolerated anyway. */
export const isMutation = (query: string | undefined) => /^\s*(#[^\n]*\n\s*)*mutation\b/.test(query ?? '');

type Options = GraphQLDataSourceProcessOptions<GatewayContext>;

/** The client request's cache policy (Apollo Server's), when the call is part of one. */
const cachePolicyOf = (options: Options): { restrict(hint: CacheHint): void } | undefined => {
  if (!('incomingRequestContext' in options)) return undefined;
  const policy: unknown = options.incomingRequestContext.overallCachePolicy;
  return policy && typeof policy === 'object' && 'restrict' in policy
    ? (policy as { restrict(hint: CacheHint): void })
    : undefined;
};

export class ResilientDataSource implements GraphQLDataSource<GatewayContext> {
  readonly name: string;
  readonly url: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly replicas: ReplicaSet;
  readonly inFlight: Gather<ClientResponse> | undefined;
  private readonly metrics: GatewayMetrics;

  constructor(readonly upstream: SubgraphFetcher) {
    this.name = upstream.name;
    this.url = upstream.url;
    this.breaker = upstream.breaker;
    this.replicas = upstream.replicas;
    this.inFlight = upstream.inFlight;
    this.metrics = upstream.metrics;
  }

  async process(options: Options): Promise<GatewayGraphQLResponse> {
    const write = isMutation(options.request.query);
    const send = () => this.send(options, write);
    const end = this.metrics.subgraphRequests.startTimer({ subgraph: this.name });
    if (write) return this.write(send, end);
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

  /** One call: the request sent through the fetcher, its answer read as the subgraph's GraphQL response. */
  private async send(options: Options, write: boolean): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    if (!request.query) throw new Error('Missing query');
    // Headers the query plan asks for (Apollo's trace request, when usage reporting is on).
    const asked = request.http ? Object.fromEntries(request.http.headers) : undefined;
    const extra = write ? writeHeaders(context) : undefined;
    const res = await this.upstream.send(
      subgraphRequest(request, extra && asked ? { ...asked, ...extra } : (extra ?? asked)),
      write,
    );
    const response = graphqlResponse(this.url, res);
    noteReplay(header(res, REPLAYED_HEADER), context);
    cachePolicyOf(options)?.restrict(cacheHint(header(res, 'cache-control')));
    return response;
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
