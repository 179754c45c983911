/**
 * The one place where the fetch-level pieces between the gateway and one subgraph are put
 * together (as Hive Gateway stacks useUpstreamRetry, useUpstreamTimeout and its deduplication
 * on each subgraph's fetch). A query call, outermost first:
 *
 *   dedup (gather.ts)  →  retry (retry.ts, within the call's budget: timeout.ts)
 *     →  per attempt: signing (sign.ts)  →  replica choice and per-replica breakers
 *        (replicas.ts, replica-breakers.ts)  →  the replica's pool with the attempt's deadline
 *
 * Identical queries share the whole call, retries included; each attempt is signed anew, after
 * the match. A write (the data source says which, writes.ts) skips dedup and retry: signed, sent
 * once, to a replica whose breaker is closed, with the write deadline. The subgraph's own breaker
 * (breaker.ts) is built here and applied by the data source around each call (resilience.ts),
 * where the answers are read. Each piece's options and defaults are its own; `piecesFrom` maps the
 * configuration (config.resilience) onto them, the only place a knob passes through.
 */
import type { CircuitBreakerPolicy } from 'cockatiel';
import { Registry } from 'prom-client';
import type { ClientRequest, ClientResponse } from '../../platform/http-client';
import type { Logger } from '../../platform/logger';
import { GatewayMetrics } from '../metrics';
import { subgraphBreaker, type BreakerOptions } from './breaker';
import { Gather, type GatherOptions } from './gather';
import { ReplicaSet } from './replicas';
import { RETRY_DEFAULTS, upstreamRetry, type UpstreamRetryOptions } from './retry';
import { signing } from './sign';
import { Deadline, timeouts, type TimeoutOptions } from './timeout';

/** How the gateway treats each subgraph, as configured (platform/config.ts `resilience`). */
export interface ResilienceOptions {
  timeoutMs?: number;
  mutationTimeoutMs?: number;
  /** In-flight deduplication of identical queries. @default true */
  dedup?: boolean;
  gatherWindowMs?: number;
  attempts?: number;
  retryDelayMs?: number;
  retryMaxDelayMs?: number;
  breakerThreshold?: number;
  halfOpenAfterMs?: number;
}

export interface FetchPieces {
  timeout?: TimeoutOptions;
  retry?: UpstreamRetryOptions;
  breaker?: BreakerOptions;
  /** Options of the in-flight deduplication; false turns it off. @default {} (on, gather.ts's window) */
  dedup?: false | Omit<GatherOptions, 'onShared'>;
}

/** The configuration's knobs, each onto its piece's option. */
export const piecesFrom = (r: ResilienceOptions): FetchPieces => ({
  timeout: { attemptMs: r.timeoutMs, mutationMs: r.mutationTimeoutMs },
  retry: { attempts: r.attempts, initialDelayMs: r.retryDelayMs, maxDelayMs: r.retryMaxDelayMs },
  breaker: { threshold: r.breakerThreshold, halfOpenAfterMs: r.halfOpenAfterMs },
  dedup: r.dedup === false ? false : { windowMs: r.gatherWindowMs },
});

export interface SubgraphFetcherOptions extends FetchPieces {
  /** The subgraph's name: the signature's audience, the metrics' and logs' label. */
  name: string;
  /** Its replicas' URLs (one or more, one path). */
  urls: readonly string[];
  /** The subgraphs' shared secret (sign.ts). */
  secret?: string;
  log: Logger;
  /** The gateway's (metrics.ts); without it, series on a registry of this fetcher's own. */
  metrics?: GatewayMetrics;
}

export interface SubgraphFetcher {
  readonly name: string;
  /** The URL requests are sent to (the first replica's; every replica gets its path). */
  readonly url: string;
  readonly replicas: ReplicaSet;
  /** The subgraph's breaker, for the data source to apply around each call (breaker.ts). */
  readonly breaker: CircuitBreakerPolicy;
  /** Identical queries share one call (gather.ts); undefined when turned off. */
  readonly inFlight: Gather<ClientResponse> | undefined;
  readonly metrics: GatewayMetrics;
  /**
   * Sends one request to the subgraph through the pieces and gives its whole answer (any status);
   * rejects when there is none (refused, reset, deadline) or the breakers refuse it.
   * `write`: a mutation (sent once, the write deadline, writes.ts).
   */
  send(request: ClientRequest, write: boolean): Promise<ClientResponse>;
  close(): Promise<void>;
}

export function subgraphFetcher(opts: SubgraphFetcherOptions): SubgraphFetcher {
  const { name, log } = opts;
  const metrics = opts.metrics ?? new GatewayMetrics(new Registry());
  const retry = upstreamRetry(opts.retry);
  const deadlines = timeouts(opts.timeout ?? {}, opts.retry?.attempts ?? RETRY_DEFAULTS.attempts);
  const breaker = opts.breaker ?? {};
  const replicas = new ReplicaSet({
    urls: opts.urls,
    timeoutMs: deadlines.attemptMs,
    mutationTimeoutMs: deadlines.mutationMs,
    breaker: {
      ...breaker,
      onChange: (replica, state) =>
        (state === 'open' ? log.warn : log.info).call(
          log,
          { subgraph: name, replica, state },
          'subgraph replica breaker',
        ),
    },
  });
  const sign = signing({ secret: opts.secret, audience: name });
  const inFlight =
    opts.dedup === false
      ? undefined
      : new Gather<ClientResponse>({ ...opts.dedup, onShared: () => metrics.deduplicated.inc({ subgraph: name }) });
  const url = replicas.url;
  const send = async (request: ClientRequest, write: boolean): Promise<ClientResponse> => {
    if (write) return replicas.write(sign(url, request));
    const call = () => {
      const tried = new Set<string>();
      return retry(() => replicas.query(sign(url, request), tried), new Deadline(deadlines.budgetMs));
    };
    // One fetcher per subgraph, one path: identical bodies are identical requests.
    return inFlight ? inFlight.run(request.body ?? '', call) : call();
  };
  return {
    name,
    url,
    replicas,
    breaker: subgraphBreaker(breaker, (state) => {
      if (state === 'open') log.warn({ subgraph: name }, 'circuit opened: failing fast');
      else if (state === 'half-open') log.info({ subgraph: name }, 'circuit half-open: probing');
      else log.info({ subgraph: name }, 'circuit closed: subgraph is back');
    }),
    inFlight,
    metrics,
    send,
    close: () => replicas.close(),
  };
}
