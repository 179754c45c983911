/** Outbox metrics: depth (pending rows, read at scrape time), delivery lag and outcomes. */
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../../../platform/metrics';

const depthSources = new Set<() => Promise<number>>();

export const outboxMetrics = {
  depth: new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox rows not yet acknowledged by the data context',
    registers: [registry],
    async collect() {
      const source = depthSources.values().next().value;
      if (source) this.set(await source().catch(() => Number.NaN));
    },
  }),
  lag: new Histogram({
    name: 'outbox_delivery_lag_seconds',
    help: 'Time from the committed change to the data context acknowledging its event',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  }),
  deliveries: new Counter({
    name: 'outbox_deliveries_total',
    help: 'Delivery attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
};

/** The relay that measures depth at scrape time (one per process is enough: it is one table). */
export function registerDepthSource(source: () => Promise<number>): () => void {
  depthSources.add(source);
  return () => depthSources.delete(source);
}
