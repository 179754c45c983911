/**
 * The relay's view of its destination, the data context. Up until a round whose every
 * delivery failed for a destination reason (deliver.ts's failureScope); then down: the relay pauses
 * between rounds (capped exponential backoff with jitter) and each round is a probe with
 * one row, until a delivery is answered again (acknowledged, or the event refused). Each
 * transition is logged once (warn when it goes down, info with the downtime when it is
 * back), reported to `onDown` (the relay's metrics count it), and shown in GET /outbox.
 */
import type { Logger } from '../../../platform/logger';
import { backoffDelay } from '../../../platform/retry';

export interface DestinationStatus {
  up: boolean;
  /** When the relay found it unreachable (ISO), null while up. */
  downSince: string | null;
  downForMs: number | null;
  /** Rounds (the first, then probes) that failed since it went down. */
  failedRounds: number;
  lastError: string | null;
}

/** First pause of a down destination; doubles per failed probe up to the cap. */
export const FIRST_PAUSE_MS = 100;

/**
 * Pause after the n-th failed round in a row: between half and all of
 * min(cap, 100·2^(n−1)) ms ("equal jitter" of platform/retry.ts: relays spread out, yet never
 * probe at once again).
 */
export const pauseMs = (n: number, capMs: number): number =>
  backoffDelay(n, { baseDelayMs: FIRST_PAUSE_MS, maxDelayMs: capMs, jitter: 'equal' });

export class Destination {
  log?: Logger;
  private downAt: number | null = null;
  private failedRounds = 0;
  private lastError: string | null = null;

  constructor(
    private readonly maxBackoffMs: number,
    private readonly onDown: () => void = () => {},
  ) {}

  get up(): boolean {
    return this.downAt === null;
  }

  /** A round in which no delivery was answered: every one failed for a destination reason. */
  unreachable(error: string, rows: number): void {
    this.failedRounds++;
    this.lastError = error;
    if (this.downAt !== null) return;
    this.downAt = Date.now();
    this.onDown();
    this.log?.warn({ error, rows }, 'outbox destination unreachable; relay paused, probing with one row');
  }

  /** A delivery was answered: the data context is reachable (again). */
  reachable(): void {
    if (this.downAt === null) return;
    const downtimeMs = Date.now() - this.downAt;
    this.log?.info(
      { downtimeMs, failedRounds: this.failedRounds, lastError: this.lastError },
      'outbox destination reachable again; relay resumed',
    );
    this.downAt = null;
    this.failedRounds = 0;
    this.lastError = null;
  }

  /** How long to pause before the next probe (only meaningful while down). */
  nextPauseMs(): number {
    return pauseMs(this.failedRounds, this.maxBackoffMs);
  }

  status(): DestinationStatus {
    return {
      up: this.up,
      downSince: this.downAt === null ? null : new Date(this.downAt).toISOString(),
      downForMs: this.downAt === null ? null : Date.now() - this.downAt,
      failedRounds: this.failedRounds,
      lastError: this.lastError,
    };
  }
}
