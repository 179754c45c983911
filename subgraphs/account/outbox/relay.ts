/**
 * The outbox relay: claims pending rows, delivers them to the data context, and acks
 * them only after the data context acknowledged them. A delivery the data context refused
 * goes back with its own exponential backoff; when the data context does not answer at all
 * (deliver.ts's failureScope tells which), the whole relay pauses with backoff and probes with one row
 * until it answers again (destination.ts). While the database itself is unreachable the
 * loop backs off too.
 * A relay that dies keeps nothing: its leases run out and another relay (or itself,
 * restarted) takes the rows again. Several relays can run at once (see store.ts).
 * The loop only reports what happens (RelayEvents); its GET /outbox route and metrics are
 * wired to it by worker.ts.
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../../generated/account/client';
import type { OutboxConfig } from '../../../platform/config';
import type { Logger } from '../../../platform/logger';
import type { Worker } from '../../kit/worker';
import { backoffDelay } from '../../../platform/retry';
import { failureScope, type Deliver } from './deliver';
import { Destination } from './destination';
import { ack, claim, claimIsolation, claimIsolationWarning, fail, type OutboxRow } from './store';

export type RelayOptions = Pick<OutboxConfig, 'pollMs' | 'batchSize' | 'leaseMs' | 'maxBackoffMs'> & { id?: string };

export const RELAY_WORKER = 'outbox-relay';

/** Full-jitter exponential backoff (platform/retry.ts): attempt 1 waits up to 100 ms, doubling up to the cap. */
export const backoffMs = (attempt: number, capMs: number) =>
  backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: capMs });

/** What the loop reports as it works (metrics.ts counts it); each one optional. */
export interface RelayEvents {
  /** One delivery attempt and how it went. */
  attempted?(outcome: 'delivered' | 'failed'): void;
  /** A delivered row was acked: seconds from its change to the data context's acknowledgement. */
  acknowledged?(lagSeconds: number): void;
  /** The destination was found unreachable (the relay pauses). */
  destinationDown?(): void;
}

export interface DrainResult {
  claimed: number;
  delivered: string[];
  failed: string[];
}

export class OutboxRelay implements Worker {
  readonly name = RELAY_WORKER;
  readonly id: string;
  private log?: Logger;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** Whether the data context answers; while it does not, the relay pauses and probes. */
  readonly destination: Destination;

  constructor(
    private readonly db: PrismaClient,
    private readonly deliver: Deliver,
    private readonly opts: RelayOptions,
    private readonly events: RelayEvents = {},
  ) {
    this.id = opts.id ?? `relay-${randomUUID()}`;
    this.destination = new Destination(opts.maxBackoffMs, () => this.events.destinationDown?.());
  }

  start(log: Logger): void {
    if (this.running) return;
    this.log = log.child({ worker: this.name, relay: this.id });
    this.destination.log = this.log;
    this.running = true;
    this.loopDone = this.loop();
    void this.checkIsolation();
  }

  /** Says at start-up whether claims get the READ COMMITTED they are written for (store.ts). */
  private async checkIsolation(): Promise<void> {
    try {
      const isolation = await claimIsolation(this.db);
      const warning = claimIsolationWarning(isolation);
      if (warning) this.log?.warn({ isolation }, warning);
      else this.log?.debug({ isolation }, 'outbox claims run at READ COMMITTED');
    } catch (err) {
      this.log?.debug({ err: message(err) }, 'could not check the claim isolation (the database does not answer yet)');
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loopDone;
  }

  /** Cuts the idle sleep short; a pause for an unreachable destination runs its course. */
  wake(): void {
    this.woken = true;
    if (this.destination.up) this.wakeUp?.();
  }

  /**
   * One round: claim what is due (one row only, as a probe, while the destination is
   * down), deliver it, ack or release each row.
   */
  async drainOnce(): Promise<DrainResult> {
    const rows = await claim(this.db, this.id, this.destination.up ? this.opts.batchSize : 1, this.opts.leaseMs);
    // One row per account at most (claim takes heads only), so rows may go out side by side.
    const outcomes = await Promise.all(rows.map((row) => this.deliverOne(row)));
    const delivered = rows.filter((_, i) => outcomes[i] === true).map((r) => r.id);
    await ack(this.db, this.id, delivered);
    const now = Date.now();
    for (const row of rows)
      if (delivered.includes(row.id)) this.events.acknowledged?.((now - row.occurredAt.getTime()) / 1000);
    const failures = rows.flatMap((row, i) => {
      const outcome = outcomes[i]!;
      return outcome === true ? [] : [{ row, error: message(outcome.error), scope: failureScope(outcome.error) }];
    });
    // Answered: acknowledged, or refused as an event. None answered and some failed: the
    // destination is unreachable, the relay pauses, and that pause is these rows' backoff.
    const answered = rows.length - failures.filter((f) => f.scope === 'destination').length;
    const unreachable = failures.length > 0 && answered === 0;
    if (unreachable) this.destination.unreachable(failures[0]!.error, rows.length);
    else if (answered > 0) this.destination.reachable();
    for (const { row, error } of failures) {
      await fail(
        this.db,
        this.id,
        row.id,
        error,
        unreachable ? 0 : backoffMs(row.attempts + 1, this.opts.maxBackoffMs),
      );
    }
    if (failures.length > 0 && !unreachable) {
      this.log?.warn(
        { failed: failures.length, delivered: delivered.length, error: failures[0]!.error },
        'outbox deliveries failed; will retry',
      );
    }
    return { claimed: rows.length, delivered, failed: failures.map((f) => f.row.id) };
  }

  private async deliverOne(row: OutboxRow): Promise<true | { error: unknown }> {
    try {
      await this.deliver(row);
      this.events.attempted?.('delivered');
      return true;
    } catch (error) {
      this.events.attempted?.('failed');
      return { error };
    }
  }

  private async loop(): Promise<void> {
    let errorsInARow = 0;
    while (this.running) {
      this.woken = false;
      let wait = this.opts.pollMs;
      try {
        const { claimed } = await this.drainOnce();
        if (errorsInARow > 0) this.log?.info({ after: errorsInARow }, 'outbox database reachable again');
        errorsInARow = 0;
        if (!this.destination.up) wait = this.destination.nextPauseMs();
        else if (claimed > 0) continue; // an account's next event is claimable only now
      } catch (err) {
        errorsInARow++;
        wait = Math.max(this.opts.pollMs, backoffMs(errorsInARow, this.opts.maxBackoffMs));
        if (errorsInARow === 1 || errorsInARow % 20 === 0)
          this.log?.warn({ err, errorsInARow }, 'outbox relay cannot reach its database; backing off');
      }
      if (this.running && (!this.woken || !this.destination.up)) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
