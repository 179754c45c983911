/**
 * Prometheus metrics (prom-client): one registry per process, served at GET /metrics.
 * Every process: HTTP requests, GraphQL operations (by service, operation and outcome) and
 * errors by code, database pool use; the gateway adds per-subgraph latencies, the account
 * subgraph its outbox (subgraphs/account/outbox/metrics.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, collectDefaultMetrics, Registry } from 'prom-client';
import type { Route } from './http';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests by method and status',
  labelNames: ['method', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

const operations = new Histogram({
  name: 'graphql_operation_duration_seconds',
  help: 'GraphQL operations by service, operation name and outcome',
  labelNames: ['service', 'operation', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

const errors = new Counter({
  name: 'graphql_errors_total',
  help: 'GraphQL errors by service and extensions.code',
  labelNames: ['service', 'code'] as const,
  registers: [registry],
});

export const subgraphRequests = new Histogram({
  name: 'gateway_subgraph_request_duration_seconds',
  help: 'Gateway requests to each subgraph, retries included, by outcome',
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

/**
 * Label values are bounded, so the registry is: operation names come from clients, the
 * first 100 distinct ones get their own series, the rest 'other'.
 */
const knownOperations = new Set<string>();
function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (knownOperations.has(name)) return name;
  if (knownOperations.size >= 100 || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
  knownOperations.add(name);
  return name;
}

/** Error codes: ours and Apollo's are few, but a subgraph's pass through; past 50 distinct ones, 'OTHER'. */
const knownCodes = new Set<string>();
function codeLabel(code: unknown): string {
  const c = typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
  if (knownCodes.has(c)) return c;
  if (knownCodes.size >= 50 || !/^[A-Z][A-Z0-9_]{0,63}$/.test(c)) return 'OTHER';
  knownCodes.add(c);
  return c;
}

/** Apollo Server plugin recording every operation's duration, outcome and error codes. */
export function operationMetrics(service: string): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const end = operations.startTimer({ service });
      return {
        async willSendResponse({ operationName, errors: errs }) {
          for (const e of errs ?? []) errors.inc({ service, code: codeLabel(e.extensions?.code) });
          end({ operation: operationLabel(operationName), outcome: errs?.length ? 'error' : 'ok' });
        },
      };
    },
  };
}

const pools = new Map<Pool, string>();
new Gauge({
  name: 'db_pool_connections',
  help: 'Database pool connections by database and state (total, idle, waiting clients)',
  labelNames: ['database', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [pool, database] of pools) {
      this.inc({ database, state: 'total' }, pool.totalCount);
      this.inc({ database, state: 'idle' }, pool.idleCount);
      this.inc({ database, state: 'waiting' }, pool.waitingCount);
    }
  },
});

/** Reports a pool's use until it is ended. */
export function trackPool(pool: Pool, database: string): void {
  pools.set(pool, database);
  const end = pool.end.bind(pool);
  pool.end = (async () => {
    pools.delete(pool);
    await end();
  }) as Pool['end'];
}

export const metricsRoute: Route = async (req, res, url) => {
  if (url.pathname !== '/metrics' || req.method !== 'GET') return false;
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType });
  res.end(body);
  return true;
};
