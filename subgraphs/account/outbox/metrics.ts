/**
 * Outbox metrics, on the registry of the process that runs the relay (platform/metrics.ts):
 * depth (pending rows, read at scrape time), delivery lag and outcomes, and whether the relay
 * can reach its destination (the data context; see destination.ts). Made per relay by its
 * worker (worker.ts); the relay only reports what happens (RelayEvents), so two relays on
 * two registries never read each other's state.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EagerEvents } from './eager';
import type { RelayEvents } from './relay';

export interface OutboxMetricsSources {
  /** Rows not yet acknowledged (one table, whichever relay asks). */
  depth(): Promise<number>;
  /** The relay's destination, read at scrape time. */
  destination(): { readonly up: boolean };
}

/** Registers the outbox series on `registry`; returns what the relay reports to. */
export function outboxMetrics(registry: Registry, sources: OutboxMetricsSources): RelayEvents {
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox rows not yet acknowledged by the data context',
    registers: [registry],
    async collect() {
      this.set(await sources.depth().catch(() => Number.NaN));
    },
  });
  const lag = new Histogram({
    name: 'outbox_delivery_lag_seconds',
    help: 'Time from the committed change to the data context acknowledging its event',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'outbox_deliveries_total',
    help: 'Delivery attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'outbox_destination_up',
    help: '0 while the relay has paused because the data context does not answer its deliveries, else 1',
    registers: [registry],
    collect() {
      this.set(sources.destination().up ? 1 : 0);
    },
  });
  const outages = new Counter({
    name: 'outbox_destination_outages_total',
    help: 'Times a relay found the data context unreachable and paused',
    registers: [registry],
  });
  return {
    attempted: (outcome) => deliveries.inc({ outcome }),
    acknowledged: (lagSeconds) => lag.observe(lagSeconds),
    destinationDown: () => outages.inc(),
  };
}

/**
 * The eager path's series (eager.ts): how each write's own delivery ended and the time it
 * added to the write (its answer waits for it, up to OUTBOX_EAGER_DEADLINE_MS).
 */
export function eagerMetrics(registry: Registry): EagerEvents {
  const settled = new Histogram({
    name: 'outbox_eager_settle_seconds',
    help: "Time a write waited for its own events' delivery before answering, by outcome (delivered, deadline, failed)",
    labelNames: ['outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { settled: (outcome, seconds) => settled.observe({ outcome }, seconds) };
}
