/**
 * The replicas of one subgraph and the choice among them, for the gateway's requests.
 *
 * A subgraph may be given several URLs (ACCOUNT_SUBGRAPH_URL=http://a:4001/graphql,http://b:4001/graphql;
 * deployments without a Service in front, and the local replicated stack). undici's BalancedPool
 * spreads requests over them (weighted round robin, lowering a replica's weight on connection
 * errors); each replica's own pool (a ReplicaPool, made by the BalancedPool's factory) then
 * applies what the balancer cannot know, before anything is written to its socket:
 * - a replica whose breaker is open (replica-breakers.ts) hands the request to an admitted sibling:
 *   a hung replica is routed around;
 * - a query's retry goes to a replica this call has not tried yet, when there is one (a
 *   refused or timed-out replica is not asked twice in a row);
 * - writes go only to replicas whose breaker is closed (a write is never a probe) and are
 *   sent once, wherever they go (resilience.ts and writes.ts decide what a failed write means).
 * A single URL (k8s: one Service per subgraph) is one plain pool, exactly as before replicas.
 *
 * Two dispatchers per subgraph, one with the query deadline and one with the write deadline:
 * undici keeps a deadline per pool (platform/http-client.ts).
 */
import { BrokenCircuitError } from 'cockatiel';
import { BalancedPool, Pool, type Dispatcher } from 'undici';
import { pathOf, poolOptions, sendWith, type ClientRequest, type ClientResponse } from '../../platform/http-client';
import { ReplicaBreakers, type ReplicaBreakerOptions } from './replica-breakers';

export interface ReplicaSetOptions {
  /** The replicas' URLs; they differ in origin only (one path, the signature covers it). */
  urls: readonly string[];
  /** Deadline of one query attempt. */
  timeoutMs: number;
  /** Deadline of one write. */
  mutationTimeoutMs: number;
  /** Per-replica breakers (only with two replicas or more). */
  breaker: ReplicaBreakerOptions;
  /** Most open connections per replica and deadline. @default 128 */
  connections?: number;
}

/** What one request tells the replicas' pools, and what they tell back. */
interface Route {
  write: boolean;
  /** Replicas this call has already tried (queries). */
  tried: Set<string>;
  /** The replica the request went to. */
  served?: string;
}
const ROUTE = Symbol('replica route');
type Routed = Dispatcher.DispatchOptions & { [ROUTE]?: Route };

/** A replica's pool: sends here, or hands the request to the sibling the route calls for. */
class ReplicaPool extends Pool {
  constructor(
    readonly origin: string,
    opts: Pool.Options,
    private readonly choose: (from: string, route: Route) => ReplicaPool,
  ) {
    super(origin, opts);
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const route = (opts as Routed)[ROUTE];
    const target = route ? this.choose(this.origin, route) : this;
    if (route) route.served = target.origin;
    return target.here(opts, handler);
  }

  private here(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(opts, handler);
  }
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export class ReplicaSet {
  /** The first replica's URL: the path every replica is sent, and the subgraph's name in errors and logs. */
  readonly url: string;
  /** The path (and query) of `url`, the one every replica is sent. */
  private readonly path: string;
  readonly origins: readonly string[];
  /** Undefined with one replica (its breaker is the subgraph's, resilience.ts). */
  readonly breakers: ReplicaBreakers | undefined;
  private readonly queries: Dispatcher;
  private readonly writes: Dispatcher;
  private readonly pools = { queries: new Map<string, ReplicaPool>(), writes: new Map<string, ReplicaPool>() };

  constructor(opts: ReplicaSetOptions) {
    if (opts.urls.length === 0) throw new Error('a subgraph needs at least one URL');
    this.url = opts.urls[0]!;
    this.path = pathOf(this.url);
    this.origins = opts.urls.map((u) => new URL(u).origin);
    const options = (timeoutMs: number) => poolOptions({ timeoutMs, connections: opts.connections });
    if (this.origins.length === 1) {
      this.breakers = undefined;
      this.queries = new Pool(this.origins[0]!, options(opts.timeoutMs));
      this.writes = new Pool(this.origins[0]!, options(opts.mutationTimeoutMs));
      return;
    }
    this.breakers = new ReplicaBreakers(this.origins, opts.breaker);
    const balanced = (timeoutMs: number, pools: Map<string, ReplicaPool>) =>
      new BalancedPool([...this.origins], {
        ...options(timeoutMs),
        factory: (origin: string | URL, o: Pool.Options) => {
          const pool = new ReplicaPool(new URL(String(origin)).origin, o, (from, route) =>
            this.choose(pools, from, route),
          );
          pools.set(pool.origin, pool);
          return pool;
        },
      });
    this.queries = balanced(opts.timeoutMs, this.pools.queries);
    this.writes = balanced(opts.mutationTimeoutMs, this.pools.writes);
  }

  /** Whether a request may go to `origin`: a write only to a closed replica, a query also as a probe. */
  private usable(origin: string, write: boolean): boolean {
    if (!this.breakers) return true;
    return write ? this.breakers.closed.includes(origin) : this.breakers.admits(origin);
  }

  /** The pool a request the balancer gave to `from` goes to. */
  private choose(pools: Map<string, ReplicaPool>, from: string, route: Route): ReplicaPool {
    const fresh = this.origins.filter((o) => this.usable(o, route.write) && !route.tried.has(o));
    const usable = fresh.length > 0 ? fresh : this.origins.filter((o) => this.usable(o, route.write));
    const origin = usable.length === 0 || usable.includes(from) ? from : pick(usable);
    if (!route.write) this.breakers?.take(origin);
    return pools.get(origin)!;
  }

  /** Refuses up front, as an open circuit does, when no replica may take the request: nothing is sent. */
  private admit(write: boolean): void {
    if (!this.origins.some((o) => this.usable(o, write))) throw new BrokenCircuitError();
  }

  /**
   * One query attempt on a replica not in `tried` when one is usable; adds the replica it went
   * to, and records the outcome in its breaker (no answer or a 5xx is a failure).
   */
  async query(init: ClientRequest, tried: Set<string>): Promise<ClientResponse> {
    this.admit(false);
    const route: Route = { write: false, tried };
    try {
      const answer = await sendWith(this.queries, this.path, init, { [ROUTE]: route });
      this.settle(route, answer.status >= 500 ? new Error(`answered ${answer.status}`) : undefined);
      return answer;
    } catch (err) {
      this.settle(route, err);
      throw err;
    }
  }

  private settle(route: Route, failure: unknown): void {
    const origin = route.served ?? this.origins[0]!;
    route.tried.add(origin);
    this.breakers?.record(origin, failure);
  }

  /** One write, sent once (never retried here or anywhere), to a replica whose breaker is closed. */
  write(init: ClientRequest): Promise<ClientResponse> {
    this.admit(true);
    return sendWith(this.writes, this.path, init, { [ROUTE]: { write: true, tried: new Set() } });
  }

  async close(): Promise<void> {
    await Promise.all([this.queries.close(), this.writes.close()]);
  }
}
