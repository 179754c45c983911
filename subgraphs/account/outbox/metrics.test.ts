/**
 * subgraphs/account/outbox/metrics.ts: each relay's series on the registry it is given,
 * gauges read at scrape time from that relay only (before, the depth gauge read whichever
 * relay of the process had registered first), and what the relay reports is counted.
 */
import { Registry } from 'prom-client';
import { outboxMetrics } from './metrics';

const value = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  (await registry.getSingleMetric(name)!.get()).values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  )?.value;

test('two relays on two registries: each gauge reads its own relay', async () => {
  const [a, b] = [new Registry(), new Registry()];
  outboxMetrics(a, { depth: async () => 7, destination: () => ({ up: false }) });
  outboxMetrics(b, { depth: async () => 0, destination: () => ({ up: true }) });
  expect(await value(a, 'outbox_pending_events')).toBe(7);
  expect(await value(a, 'outbox_destination_up')).toBe(0);
  expect(await value(b, 'outbox_pending_events')).toBe(0);
  expect(await value(b, 'outbox_destination_up')).toBe(1);
});

test('the gauges follow their sources at each scrape; a failing depth read is NaN, not a stale number', async () => {
  const registry = new Registry();
  let depth: () => Promise<number> = async () => 3;
  const destination = { up: true };
  outboxMetrics(registry, { depth: () => depth(), destination: () => destination });
  expect(await value(registry, 'outbox_pending_events')).toBe(3);
  depth = async () => Promise.reject(new Error('database down'));
  destination.up = false;
  expect(await value(registry, 'outbox_pending_events')).toBeNaN();
  expect(await value(registry, 'outbox_destination_up')).toBe(0);
});

test('what the relay reports is counted on its registry only', async () => {
  const [mine, other] = [new Registry(), new Registry()];
  const events = outboxMetrics(mine, { depth: async () => 0, destination: () => ({ up: true }) });
  outboxMetrics(other, { depth: async () => 0, destination: () => ({ up: true }) });
  events.attempted!('delivered');
  events.attempted!('delivered');
  events.attempted!('failed');
  events.acknowledged!(0.2);
  events.destinationDown!();
  expect(await value(mine, 'outbox_deliveries_total', { outcome: 'delivered' })).toBe(2);
  expect(await value(mine, 'outbox_deliveries_total', { outcome: 'failed' })).toBe(1);
  const lag = (await mine.getSingleMetric('outbox_delivery_lag_seconds')!.get()).values as {
    metricName?: string;
    value: number;
  }[];
  expect(lag.find((v) => v.metricName === 'outbox_delivery_lag_seconds_count')?.value).toBe(1);
  expect(lag.find((v) => v.metricName === 'outbox_delivery_lag_seconds_sum')?.value).toBe(0.2);
  expect(await value(mine, 'outbox_destination_outages_total')).toBe(1);
  expect(await value(other, 'outbox_deliveries_total', { outcome: 'delivered' })).toBeUndefined();
  expect(await value(other, 'outbox_destination_outages_total')).toBe(0);
});
