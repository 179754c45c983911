/**
 * Prometheus metrics (prom-client), served at GET /metrics. Nothing here exists at import
 * time: a process's main creates one `Metrics` (with Node's process metrics) and passes it to
 * what it starts, as Hive's Prometheus plugin takes a `registry`; a server started without
 * one (tests, the schema check) gets its own, so servers in one process never share series.
 * Every server: HTTP requests, GraphQL operations (by service, operation and outcome) and
 * errors by code, database pool use; the gateway adds its subgraph calls (gateway/metrics.ts),
 * the account subgraph its outbox (subgraphs/account/outbox/metrics.ts), on the same registry.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { ServerPlugin } from './plugins';
import { Counter, Gauge, Histogram, collectDefaultMetrics, Registry } from 'prom-client';
import type { Route } from './route';

/** An error as Apollo Server's plugins see it or as formatted for the client: only its code counts here. */
type ErrorWithCode = { readonly extensions?: Readonly<Record<string, unknown>> };

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What db_pool_connections reads from a pool (pg's Pool has these). */
export interface PoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop, GC): once per process, by its main. */
  processMetrics?: boolean;
}

/**
 * Label values are bounded, so the registry is: the first `max` distinct values that match
 * `shape` get their own series, the rest `overflow`.
 */
class BoundedLabel {
  private readonly known = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly shape: RegExp,
    private readonly overflow: string,
  ) {}

  of(value: string): string {
    if (this.known.has(value)) return value;
    if (this.known.size >= this.max || !this.shape.test(value)) return this.overflow;
    this.known.add(value);
    return value;
  }
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method and status',
    labelNames: ['method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly operations = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operations by service, operation name and outcome',
    labelNames: ['service', 'operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors by service and extensions.code',
    labelNames: ['service', 'code'] as const,
    registers: [this.registry],
  });
  private readonly pools = new Map<PoolStats, string>();
  /** Operation names come from clients: 100 get their own series, the rest 'other'. */
  private readonly operationNames = new BoundedLabel(100, /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'other');
  /** Error codes: ours and Apollo's are few, but a subgraph's pass through; past 50 distinct ones, 'OTHER'. */
  private readonly codes = new BoundedLabel(50, /^[A-Z][A-Z0-9_]{0,63}$/, 'OTHER');

  constructor(opts: MetricsOptions = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
    const pools = this.pools;
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by database and state (total, idle, waiting clients)',
      labelNames: ['database', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [pool, database] of pools) {
          this.inc({ database, state: 'total' }, pool.totalCount);
          this.inc({ database, state: 'idle' }, pool.idleCount);
          this.inc({ database, state: 'waiting' }, pool.waitingCount);
        }
      },
    });
  }

  /**
   * Starts timing one GraphQL operation; the returned function records its duration, outcome
   * and error codes once the answer's errors are known (as formatted for the client).
   */
  operationTimer(service: string): (operationName: string | null | undefined, errs?: readonly ErrorWithCode[]) => void {
    const end = this.operations.startTimer({ service });
    return (operationName, errs) => {
      for (const e of errs ?? []) {
        const code = e.extensions?.code;
        this.errors.inc({ service, code: this.codes.of(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR') });
      }
      end({
        operation: operationName ? this.operationNames.of(operationName) : 'anonymous',
        outcome: errs?.length ? 'error' : 'ok',
      });
    };
  }

  /**
   * The operation metrics for both execution paths (platform/plugins.ts): Apollo's hooks, and the
   * lean path's, whose answers never carry errors.
   */
  operationServerPlugin(service: string): ServerPlugin<object> {
    return {
      name: 'operation metrics',
      apollo: this.operationPlugin(service),
      lean: {
        requestDidStart: ({ operationName }) => {
          const done = this.operationTimer(service);
          return { willSendResponse: () => done(operationName) };
        },
      },
    };
  }

  /** Apollo Server plugin recording every operation's duration, outcome and error codes (operationTimer). */
  operationPlugin(service: string): ApolloServerPlugin {
    return {
      requestDidStart: async () => {
        const done = this.operationTimer(service);
        return {
          async willSendResponse({ operationName, errors }) {
            done(operationName, errors);
          },
        };
      },
    };
  }

  /** Reports a pool's use until the returned function is called (when the pool is closed). */
  trackPool(pool: PoolStats, database: string): () => void {
    this.pools.set(pool, database);
    return () => void this.pools.delete(pool);
  }

  /** GET /metrics: this registry in Prometheus' text format. */
  readonly route: Route = async (req, res, url) => {
    if (url.pathname !== '/metrics' || req.method !== 'GET') return false;
    const body = await this.registry.metrics();
    res.writeHead(200, { 'content-type': this.registry.contentType });
    res.end(body);
    return true;
  };
}
