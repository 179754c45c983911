/**
 * Outbox metrics: depth (pending rows, read at scrape time), delivery lag and outcomes, and
 * whether the relay can reach its destination (the data context; see destination.ts).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../../../platform/metrics';

const depthSources = new Set<() => Promise<number>>();
const destinations = new Set<{ readonly up: boolean }>();

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
  destinationUp: new Gauge({
    name: 'outbox_destination_up',
    help: '0 while a relay of this process has paused because the data context does not answer its deliveries, else 1',
    registers: [registry],
    collect() {
      this.set([...destinations].every((d) => d.up) ? 1 : 0);
    },
  }),
  outages: new Counter({
    name: 'outbox_destination_outages_total',
    help: 'Times a relay found the data context unreachable and paused',
    registers: [registry],
  }),
};

/** The relay that measures depth at scrape time (one per process is enough: it is one table). */
export function registerDepthSource(source: () => Promise<number>): () => void {
  depthSources.add(source);
  return () => depthSources.delete(source);
}

/** A relay's view of its destination, read at scrape time while the relay runs. */
export function registerDestination(destination: { readonly up: boolean }): () => void {
  destinations.add(destination);
  return () => destinations.delete(destination);
}
