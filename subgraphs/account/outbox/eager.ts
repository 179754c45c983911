/**
 * Eager delivery: a write delivers the events it committed before it answers, so that a
 * read right after an acknowledged write lists them (read-your-writes across contexts, as
 * the old service gave by writing its events synchronously). The relay (relay.ts) stays the
 * one that guarantees delivery: for a failure, a timeout, a restart between commit and
 * delivery, or while this path is off (OUTBOX_EAGER_DEADLINE_MS=0).
 *
 * - What: the account's undelivered events as the write read them under its row lock, its
 *   own last (writes.ts `pending`), so no database read stands between the commit and the
 *   delivery (under load the pool's connections are taken by writes queueing on the lock).
 * - In order: one by one in `seq` order, each after the previous was acknowledged. This
 *   process's runs for one account queue behind each other (`scope`: the account) and skip
 *   what an earlier run of the queue delivered, so concurrent writes of one account do not
 *   send the same events side by side; another process or a relay sending the same event
 *   is harmless, since the data context stores an event id once (the outbox row id).
 * - Bounded: `settle` resolves after at most `deadlineMs`, never rejects. A run still going
 *   then finishes in the background; a failure stops the run and leaves the rest to the
 *   relay (the row is not marked failed: the relay's own attempt decides its backoff).
 * - Marked: each acknowledged row is marked delivered (store.ts markDelivered) after the
 *   answer's wait, so the relay does not send it again; a mark that fails only means the
 *   relay sends it once more.
 */
import type { PrismaClient } from '../../../generated/account/client';
import type { Logger } from '../../../platform/logger';
import type { Worker } from '../../kit/worker';
import type { Deliver } from './deliver';
import { markDelivered, type OutboxRow } from './store';

export const EAGER_WORKER = 'outbox-eager';

/** What the eager path reports (metrics); optional. */
export interface EagerEvents {
  /** How one settle ended: everything delivered, the deadline passed first, or a failure. */
  settled?(outcome: 'delivered' | 'deadline' | 'failed', seconds: number): void;
}

/** One account's queue of runs in this process, and what its runs delivered so far. */
interface Queue {
  tail: Promise<unknown>;
  delivered: Set<string>;
}

export class EagerDelivery implements Worker {
  readonly name = EAGER_WORKER;
  private log?: Logger;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly db: PrismaClient,
    private readonly deliver: Deliver,
    private readonly deadlineMs: number,
    private readonly events: EagerEvents = {},
  ) {}

  start(log: Logger): void {
    this.log = log.child({ worker: this.name });
  }

  /** Waits for the runs and marks still in flight (each bounded by the deliverer's own timeout). */
  async stop(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {}

  async settle(work: readonly unknown[], accountId: string): Promise<void> {
    const rows = work as readonly OutboxRow[];
    if (this.deadlineMs <= 0 || rows.length === 0) return;
    const started = performance.now();
    const queue = this.queues.get(accountId) ?? { tail: Promise.resolve(), delivered: new Set<string>() };
    const run = queue.tail
      .then(() => this.deliverInOrder(rows, queue.delivered))
      .then(
        () => 'delivered' as const,
        (err: unknown) => {
          this.log?.debug({ err, accountId }, 'eager outbox delivery failed; the relay delivers');
          return 'failed' as const;
        },
      );
    queue.tail = run;
    this.queues.set(accountId, queue);
    void this.track(run).finally(() => {
      if (queue.tail === run) this.queues.delete(accountId);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.deadlineMs);
    });
    const outcome = await Promise.race([run, deadline]);
    clearTimeout(timer);
    this.events.settled?.(outcome, (performance.now() - started) / 1000);
  }

  private async deliverInOrder(rows: readonly OutboxRow[], delivered: Set<string>): Promise<void> {
    for (const row of rows) {
      if (delivered.has(row.id)) continue;
      await this.deliver(row);
      delivered.add(row.id);
      void this.track(markDelivered(this.db, row.id)).catch((err: unknown) =>
        this.log?.debug({ err, id: row.id }, 'could not mark an eagerly delivered event; the relay sends it again'),
      );
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }
}
