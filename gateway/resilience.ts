/**
 * Resilience between the gateway and each subgraph (what the old aggregator did with
 * retries behind circuit breakers, with cockatiel's policies):
 * - a timeout on every subgraph request (the shared HttpClient's, platform/http-client.ts);
 * - bounded retries with exponential backoff on connection errors, timeouts and 5xx,
 *   for queries only: a subgraph operation that is a mutation is never re-sent;
 * - a circuit breaker per subgraph: after `breakerThreshold` failures in a row it fails
 *   fast for `halfOpenAfterMs`, then lets one probe through and closes when it succeeds.
 */
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { BrokenCircuitError, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, type CircuitBreakerPolicy } from 'cockatiel';
import { GraphQLError } from 'graphql';
import { signedHeaders } from '../platform/auth';
import { ErrorCode } from '../platform/errors';
import { isNetworkError, type FetchLikeInit, type HttpClient } from '../platform/http-client';
import type { Logger } from '../platform/logger';
import { subgraphRequests } from '../platform/metrics';

export interface ResilienceOptions {
  /** Deadline of one subgraph request; the HttpClient given to the data source enforces it. */
  timeoutMs: number;
  /** Attempts of one query request (1 = no retry). */
  attempts: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

/** A failure worth retrying: the request never got a real answer (refused, reset, timed out, 5xx). */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof BrokenCircuitError) return false;
  const status = (err as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
  if (typeof status === 'number') return status >= 500;
  return isNetworkError(err);
}

/** The query planner prints the operation first; leading comments are tolerated anyway. */
const isMutation = (query: string | undefined) => /^\s*(#[^\n]*\n\s*)*mutation\b/.test(query ?? '');

export class ResilientDataSource extends RemoteGraphQLDataSource {
  readonly breaker: CircuitBreakerPolicy;
  private readonly retrying;

  /**
   * `client`: the gateway's pooled HTTP client (its timeout is the request deadline);
   * `secret`: the subgraphs' shared secret, every request is signed with it (platform/auth.ts).
   */
  constructor(readonly name: string, url: string, opts: ResilienceOptions, log: Logger, client: HttpClient, secret?: string) {
    super({
      url,
      // Every request, first try or retry, gets its own deadline and its own signature.
      fetcher: ((input: string, init: FetchLikeInit = {}) => {
        const body = init.body ?? '';
        return client.fetch(input, { ...init, headers: { ...init.headers, ...signedHeaders(secret, name, init.method ?? 'GET', input, body) } });
      }) as never,
    });
    const transient = handleWhen(isTransient);
    this.retrying = retry(transient, { maxAttempts: Math.max(0, opts.attempts - 1), backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 400 }) });
    this.breaker = circuitBreaker(transient, { halfOpenAfter: opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.breakerThreshold) });
    this.breaker.onBreak(() => log.warn({ subgraph: name }, 'circuit opened: failing fast'));
    this.breaker.onHalfOpen(() => log.info({ subgraph: name }, 'circuit half-open: probing'));
    this.breaker.onReset(() => log.info({ subgraph: name }, 'circuit closed: subgraph is back'));
  }

  override async process(options: GraphQLDataSourceProcessOptions<Record<string, any>>): Promise<GatewayGraphQLResponse> {
    const send = () => super.process(options);
    const end = subgraphRequests.startTimer({ subgraph: this.name });
    try {
      const result = isMutation(options.request.query)
        ? await this.breaker.execute(send)
        : await this.breaker.execute(() => this.retrying.execute(send));
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: err instanceof BrokenCircuitError ? 'circuit_open' : 'error' });
      if (!isTransient(err) && !(err instanceof BrokenCircuitError)) throw err;
      // Name the subgraph, so clients (and the REST shim) know which part is missing.
      const reason = err instanceof BrokenCircuitError ? 'circuit open after repeated failures' : (err as Error).message;
      throw new GraphQLError(`subgraph ${this.name} is unavailable: ${reason}`, {
        extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: this.name },
      });
    }
  }
}
