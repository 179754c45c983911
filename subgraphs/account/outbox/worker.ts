/**
 * The relay as its subgraph's background worker: the loop (relay.ts), its GET /outbox page
 * (route.ts) and its metrics on the subgraph's registry (metrics.ts), put together here so
 * the loop knows nothing of HTTP or Prometheus.
 */
import type { PrismaClient } from '../../../generated/account/client';
import type { Logger } from '../../../platform/logger';
import type { Metrics } from '../../../platform/metrics';
import type { OperatorPage } from '../../../platform/operator-access';
import type { Worker } from '../../kit/worker';
import type { Deliver } from './deliver';
import { outboxMetrics } from './metrics';
import { OutboxRelay, RELAY_WORKER, type RelayOptions } from './relay';
import { outboxPage } from './route';
import { status } from './store';

export class OutboxWorker implements Worker {
  readonly name = RELAY_WORKER;
  readonly relay: OutboxRelay;
  readonly pages: OperatorPage[];

  constructor(db: PrismaClient, deliver: Deliver, opts: RelayOptions, metrics: Metrics) {
    const events = outboxMetrics(metrics.registry, {
      depth: async () => (await status(db, 0)).pending,
      destination: () => this.relay.destination,
    });
    this.relay = new OutboxRelay(db, deliver, opts, events);
    this.pages = [outboxPage(db, this.relay)];
  }

  start(log: Logger): void {
    this.relay.start(log);
  }

  stop(): Promise<void> {
    return this.relay.stop();
  }

  wake(): void {
    this.relay.wake();
  }
}
