/**
 * Eager delivery: a write delivers the events it committed before it answers, so that a
 * read right after an acknowledged write lists them (read-your-writes across contexts, as
 * the old service gave by writing its events synchronously). The relay (relay.ts) stays the
 * one that guarantees delivery: for a failure, a timeout, a restart between commit and
 * delivery, or while this path is off.
 *
 * - In order: the account's undelivered events up to the written one go out one by one in
 *   `seq` order (store.ts undeliveredUpTo), each only after the previous was acknowledged;
 *   another writer or a relay sending the same event meanwhile is harmless, since the data
 *   context stores an event id once (the outbox row id is the event id).
 * - Bounded: `settle` resolves after at most `deadlineMs`, never rejects. What is still in
 *   flight then finishes in the background; a failure stops the run and leaves the rest to
 *   the relay (its row is not marked failed: the relay's own attempt decides backoff).
 * - After an acknowledgement the row is marked delivered (store.ts markDelivered) so the
 *   relay does not send it again.
 */
import type { PrismaClient } from '../../../generated/account/client';
import type { Logger } from '../../../platform/logger';
import type { Worker } from '../../kit/worker';
import type { Deliver } from './deliver';
import { markDelivered, undeliveredUpTo } from './store';

export const EAGER_WORKER = 'outbox-eager';

/** What the eager path reports (metrics); optional. */
export interface EagerEvents {
  /** How one settle ended: everything delivered, the deadline passed first, or a failure. */
  settled?(outcome: 'delivered' | 'deadline' | 'failed', seconds: number): void;
}

export class EagerDelivery implements Worker {
  readonly name = EAGER_WORKER;
  private log?: Logger;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: PrismaClient,
    private readonly deliver: Deliver,
    private readonly deadlineMs: number,
    private readonly events: EagerEvents = {},
  ) {}

  start(log: Logger): void {
    this.log = log.child({ worker: this.name });
  }

  /** Waits for the runs still in flight (each bounded by the deliverer's own timeout). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {}

  async settle(eventId: string): Promise<void> {
    if (this.deadlineMs <= 0) return;
    const started = performance.now();
    const run = this.deliverUpTo(eventId).then(
      () => 'delivered' as const,
      (err: unknown) => {
        this.log?.debug({ err, eventId }, 'eager outbox delivery failed; the relay delivers');
        return 'failed' as const;
      },
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.deadlineMs);
    });
    const outcome = await Promise.race([run, deadline]);
    clearTimeout(timer);
    this.events.settled?.(outcome, (performance.now() - started) / 1000);
  }

  private async deliverUpTo(eventId: string): Promise<void> {
    for (const row of await undeliveredUpTo(this.db, eventId)) {
      await this.deliver(row);
      await markDelivered(this.db, row.id);
    }
  }
}
