/**
 * Resilience between the gateway and each subgraph (what the old aggregator did with
 * retries behind circuit breakers, with cockatiel's policies):
 * - a deadline on every subgraph request, and replicas chosen per attempt (replicas.ts: undici's
 *   BalancedPool, a breaker per replica, a retry to a replica the call has not tried);
 * - bounded retries with exponential backoff on connection errors, timeouts and 5xx
 *   (platform/retry.ts, platform/network-errors.ts), for queries only: a subgraph
 *   operation that is a mutation is never re-sent;
 * - in-flight deduplication (what Apollo Router calls `deduplicate_query`): identical queries
 *   (same subgraph, same body: query, variables, operation name; the gateway forwards no
 *   per-client headers to queries) share one call, retries included, but only a call that
 *   starts after each of them arrived (gather.ts: read-your-writes across gateway replicas).
 *   Each caller gets its own parse of the answer's text (platform/http-client.ts `fetchLike`);
 *   never mutations, and the per-attempt signature is added after the match;
 * - a circuit breaker per subgraph around each call: after `breakerThreshold` failed calls in a
 *   row it fails fast for `halfOpenAfterMs`, then lets one probe through and closes when it succeeds.
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
import { fetchLike, type ClientResponse, type FetchLikeInit } from '../platform/http-client';
import { isNetworkError } from '../platform/network-errors';
import { retryPolicy } from '../platform/retry';
import { DEFAULT_GATHER_WINDOW_MS, Gather } from './gather';
import { GatewayMetrics } from './metrics';
import type { ReplicaSet } from './replicas';
import { WRITE_MARKER, forwardWriteHeaders, noteReplay, writeFailure, type GatewayContext } from './writes';
import type { Logger } from '../platform/logger';

export interface ResilienceOptions {
  /** Deadline of one subgraph query attempt; the replicas' pools enforce it. */
  timeoutMs: number;
  /** Deadline of one subgraph mutation request (longer: a write that times out has an unknown outcome). */
  mutationTimeoutMs: number;
  /** Share one call among identical queries (in-flight deduplication, gather.ts). @default true */
  dedup?: boolean;
  /** How long a query behind an identical one under way gathers others before it is sent (gather.ts). @default 5 */
  gatherWindowMs?: number;
  /** Attempts of one query request (1 = no retry); a retry goes to another replica when there is one. */
  attempts: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

/** What a data source is built from: its subgraph, its replicas (replicas.ts), the gateway's parts. */
export interface DataSourceOptions {
  name: string;
  replicas: ReplicaSet;
  resilience: ResilienceOptions;
  log: Logger;
  /** The subgraphs' shared secret: every request, first try or retry, is signed with it (platform/auth.ts). */
  secret?: string;
  /** The gateway's (metrics.ts); without it, series on a registry of this data source's own. */
  metrics?: GatewayMetrics;
}

/** A failure worth retrying: the request never got a real answer (refused, reset, timed out, 5xx). */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof BrokenCircuitError) return false;
  const status = (err as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
  if (typeof status === 'number') return status >= 500;
  return err instanceof ServerFailure || isNetworkError(err);
}

/** The query planner prints the operation first; leading comments are tolerated anyway. */
export const isMutation = (query: string | undefined) => /^\s*(#[^\n]*\n\s*)*mutation\b/.test(query ?? '');

/** A 5xx answer to a query attempt: retried; the last one is passed on as the answer it was. */
class ServerFailure extends Error {
  constructor(readonly answer: ClientResponse) {
    super(`answered ${answer.status}`);
  }
}

export class ResilientDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly replicas: ReplicaSet;
  private readonly retrying: RetryPolicy;
  /** Identical queries share one call (gather.ts); undefined when turned off. */
  readonly inFlight: Gather<ClientResponse> | undefined;
  private readonly metrics: GatewayMetrics;

  constructor(opts: DataSourceOptions) {
    const { name, replicas, secret, log } = opts;
    super({
      url: replicas.url,
      fetcher: (async (input: string, init: FetchLikeInit = {}) => {
        const body = init.body ?? '';
        const { [WRITE_MARKER]: write, ...headers } = init.headers ?? {};
        const signed = (): FetchLikeInit => ({
          ...init,
          headers: { ...headers, ...signedHeaders(secret, name, init.method ?? 'GET', input, body) },
        });
        if (write) return fetchLike(input, await replicas.write(signed()));
        const call = () => this.call(signed);
        return fetchLike(input, await (this.inFlight ? this.inFlight.run(`${input}\n${body}`, call) : call()));
      }) as never,
    });
    this.name = name;
    this.replicas = replicas;
    this.metrics = opts.metrics ?? new GatewayMetrics(new Registry());
    const r = opts.resilience;
    this.inFlight =
      r.dedup === false
        ? undefined
        : new Gather({
            windowMs: r.gatherWindowMs ?? DEFAULT_GATHER_WINDOW_MS,
            onShared: () => this.metrics.deduplicated.inc({ subgraph: name }),
          });
    this.retrying = retryPolicy({ maxAttempts: r.attempts, baseDelayMs: 50, maxDelayMs: 400, retryable: isTransient });
    this.breaker = circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: r.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(r.breakerThreshold),
    });
    this.breaker.onBreak(() => log.warn({ subgraph: name }, 'circuit opened: failing fast'));
    this.breaker.onHalfOpen(() => log.info({ subgraph: name }, 'circuit half-open: probing'));
    this.breaker.onReset(() => log.info({ subgraph: name }, 'circuit closed: subgraph is back'));
  }

  /**
   * One query call: attempts with backoff, each signed anew and sent to a replica the call has
   * not tried when there is one (replicas.ts), until an answer below 500 or `attempts` ran out;
   * then the last 5xx answer is passed on (Apollo's data source turns it into its error) or the
   * last network error thrown. Identical queries share the whole call, its retries included.
   */
  private async call(signed: () => FetchLikeInit): Promise<ClientResponse> {
    const tried = new Set<string>();
    try {
      return await this.retrying.execute(async () => {
        const answer = await this.replicas.query(signed(), tried);
        if (answer.status >= 500) throw new ServerFailure(answer);
        return answer;
      });
    } catch (err) {
      if (err instanceof ServerFailure) return err.answer;
      throw err;
    }
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
