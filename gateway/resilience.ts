/**
 * Resilience between the gateway and each subgraph (what the old aggregator did with
 * retries behind circuit breakers, with cockatiel's policies):
 * - a timeout on every subgraph request (the shared HttpClient's, platform/http-client.ts);
 * - bounded retries with exponential backoff on connection errors, timeouts and 5xx
 *   (platform/retry.ts, platform/network-errors.ts), for queries only: a subgraph
 *   operation that is a mutation is never re-sent;
 * - a circuit breaker per subgraph: after `breakerThreshold` failures in a row it fails
 *   fast for `halfOpenAfterMs`, then lets one probe through and closes when it succeeds.
 *
 * Writes are told apart (writes.ts): their own, longer deadline; the client's
 * Idempotency-Key forwarded; an honest answer when the write may have happened
 * (OUTCOME_UNKNOWN); and their failures never open the circuit that reads depend on.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from 'cockatiel';
import { Registry } from 'prom-client';
import { signedHeaders } from '../platform/auth';
import { ErrorCode, graphqlError } from '../platform/errors';
import { fetchLike, type ClientResponse, type FetchLikeInit, type HttpClient } from '../platform/http-client';
import { isNetworkError } from '../platform/network-errors';
import { retryPolicy } from '../platform/retry';
import { InFlight, WriteFence } from './dedup';
import { GatewayMetrics } from './metrics';
import { WRITE_MARKER, forwardWriteHeaders, noteReplay, writeFailure, type GatewayContext } from './writes';
import type { Logger } from '../platform/logger';

export interface ResilienceOptions {
  /** Deadline of one subgraph query request; the HttpClient given to the data source enforces it. */
  timeoutMs: number;
  /** Deadline of one subgraph mutation request (longer: a write that times out has an unknown outcome). */
  mutationTimeoutMs: number;
  /** Share one request among identical queries in flight (dedup.ts). @default true */
  dedup?: boolean;
  /** Attempts of one query request (1 = no retry). */
  attempts: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

/** The pooled clients a data source sends with: `queries` has the query deadline, `mutations` the write deadline. */
export interface SubgraphClients {
  queries: HttpClient;
  mutations: HttpClient;
  /** The gateway's write fence (dedup.ts), shared by its data sources; without it, this data source's own. */
  fence?: WriteFence;
}

/** A failure worth retrying: the request never got a real answer (refused, reset, timed out, 5xx). */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof BrokenCircuitError) return false;
  const status = (err as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
  if (typeof status === 'number') return status >= 500;
  return isNetworkError(err);
}

/** The query planner prints the operation first; leading comments are tolerated anyway. */
export const isMutation = (query: string | undefined) => /^\s*(#[^\n]*\n\s*)*mutation\b/.test(query ?? '');

export class ResilientDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly breaker: CircuitBreakerPolicy;
  private readonly retrying: RetryPolicy;
  /** Identical queries in flight share one request (dedup.ts); undefined when turned off. */
  readonly inFlight: InFlight<ClientResponse> | undefined;
  private readonly metrics: GatewayMetrics;

  /**
   * `clients`: the gateway's pooled HTTP clients, one for queries and one for mutations, each
   * with its own deadline (per-request deadlines on one undici pool stick to the connection);
   * `secret`: the subgraphs' shared secret, every request is signed with it (platform/auth.ts);
   * `metrics`: the gateway's (metrics.ts); without it, series on a registry of this data source's own.
   */
  constructor(
    readonly name: string,
    url: string,
    opts: ResilienceOptions,
    log: Logger,
    clients: SubgraphClients,
    secret?: string,
    metrics?: GatewayMetrics,
  ) {
    const fence = clients.fence ?? new WriteFence();
    super({
      url,
      // Every request, first try or retry, gets its own deadline and its own signature.
      fetcher: (async (input: string, init: FetchLikeInit = {}) => {
        const body = init.body ?? '';
        const { [WRITE_MARKER]: write, ...headers } = init.headers ?? {};
        const client = write ? clients.mutations : clients.queries;
        const send = () =>
          client.send(input, {
            ...init,
            headers: { ...headers, ...signedHeaders(secret, name, init.method ?? 'GET', input, body) },
          });
        if (write) {
          // Settled (answered, failed or timed out: it may have committed): later queries are sent anew.
          try {
            return fetchLike(input, await send());
          } finally {
            fence.advance();
          }
        }
        const answer = this.inFlight ? await this.inFlight.run(`${input}\n${body}`, send) : await send();
        return fetchLike(input, answer);
      }) as never,
    });
    this.metrics = metrics ?? new GatewayMetrics(new Registry());
    this.inFlight =
      opts.dedup === false ? undefined : new InFlight(() => this.metrics.deduplicated.inc({ subgraph: name }), fence);
    const transient = handleWhen(isTransient);
    this.retrying = retryPolicy({
      maxAttempts: opts.attempts,
      baseDelayMs: 50,
      maxDelayMs: 400,
      retryable: isTransient,
    });
    this.breaker = circuitBreaker(transient, {
      halfOpenAfter: opts.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(opts.breakerThreshold),
    });
    this.breaker.onBreak(() => log.warn({ subgraph: name }, 'circuit opened: failing fast'));
    this.breaker.onHalfOpen(() => log.info({ subgraph: name }, 'circuit half-open: probing'));
    this.breaker.onReset(() => log.info({ subgraph: name }, 'circuit closed: subgraph is back'));
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
      const result = await this.breaker.execute(() => this.retrying.execute(send));
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
