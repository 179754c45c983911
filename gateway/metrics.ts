/**
 * The gateway's own series, on its process's registry (platform/metrics.ts): each subgraph
 * call's latency and outcome (resilience.ts), and the queries answered by an identical one
 * gathered behind another (resilience.ts, gather.ts), the queries answered by another's execution
 * (coalesce.ts), and the answers of the lean path (lean-route.ts).
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../platform/metrics';

export class GatewayMetrics {
  readonly subgraphRequests: Histogram<'subgraph' | 'outcome'>;
  readonly deduplicated: Counter<'subgraph'>;
  readonly coalesced: Counter;
  readonly leanAnswers: Counter;

  constructor(registry: Registry) {
    this.subgraphRequests = new Histogram({
      name: 'gateway_subgraph_request_duration_seconds',
      help: 'Gateway requests to each subgraph, retries included, by outcome',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.deduplicated = new Counter({
      name: 'gateway_subgraph_deduplicated_total',
      help: 'Subgraph queries answered by an identical request gathered with them, by subgraph',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    });
    this.coalesced = new Counter({
      name: 'gateway_queries_coalesced_total',
      help: 'Queries answered by an identical one the gateway was already executing (coalesce.ts)',
      registers: [registry],
    });
    this.leanAnswers = new Counter({
      name: 'gateway_lean_answers_total',
      help: "Queries answered by the gateway's lean path, without Apollo Server's pipeline (lean-route.ts)",
      registers: [registry],
    });
  }
}
