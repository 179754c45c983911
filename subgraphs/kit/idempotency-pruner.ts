/**
 * The background job that deletes a context's expired idempotency keys (idempotency.ts),
 * every `intervalMs`, in bounded batches. Several replicas may prune at once: each DELETE is
 * one statement over whichever rows are expired, so they only share the work; a failure is
 * logged and tried again next round.
 */
import type { Logger } from '../../platform/logger';
import { pruneExpiredKeys, type RawSql } from './idempotency';
import type { Worker } from './worker';

export const PRUNER_WORKER = 'idempotency-pruner';

export class IdempotencyPruner implements Worker {
  readonly name = PRUNER_WORKER;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private log?: Logger;

  constructor(
    private readonly db: RawSql,
    private readonly intervalMs: number,
  ) {}

  start(log: Logger): void {
    this.log = log.child({ worker: this.name });
    this.timer = setInterval(() => this.wake(), this.intervalMs);
    this.timer.unref();
  }

  /** Prunes now (unless a round is already running). */
  wake(): void {
    this.running ??= this.prune().then(() => {
      this.running = undefined;
    });
  }

  /** One round; resolves with the number of keys deleted (0 after a logged failure). */
  async prune(): Promise<number> {
    try {
      const deleted = await pruneExpiredKeys(this.db);
      if (deleted > 0) this.log?.info({ deleted }, 'expired idempotency keys pruned');
      return deleted;
    } catch (err) {
      this.log?.warn({ err }, 'pruning idempotency keys failed; will try again');
      return 0;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
