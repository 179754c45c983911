/**
 * The background job that deletes a context's expired rows, every `intervalMs`, in bounded
 * batches: its idempotency keys (idempotency.ts), when its writes take them, and its
 * signature nonces (signature-nonces.ts). Several replicas may prune at once: each DELETE is
 * one statement over whichever rows are expired, so they only share the work; a failure is
 * logged and tried again next round.
 */
import type { Logger } from '../../platform/logger';
import { pruneExpiredKeys, type RawSql } from './idempotency';
import { pruneExpiredNonces } from './signature-nonces';
import type { Worker } from './worker';

export const PRUNER_WORKER = 'expiry-pruner';

/** What a pruner deletes: each table's expired rows, by its own batched DELETE. */
const TABLES = {
  'idempotency keys': pruneExpiredKeys,
  'signature nonces': pruneExpiredNonces,
} as const;

export type PrunedTable = keyof typeof TABLES;

export class ExpiryPruner implements Worker {
  readonly name = PRUNER_WORKER;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private log?: Logger;

  constructor(
    private readonly db: RawSql,
    private readonly intervalMs: number,
    private readonly tables: readonly PrunedTable[],
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

  /** One round; resolves with the number of rows deleted (a table whose pruning failed is logged and counts 0). */
  async prune(): Promise<number> {
    let total = 0;
    for (const table of this.tables) {
      try {
        const deleted = await TABLES[table](this.db);
        if (deleted > 0) this.log?.info({ deleted, table }, 'expired rows pruned');
        total += deleted;
      } catch (err) {
        this.log?.warn({ err, table }, 'pruning expired rows failed; will try again');
      }
    }
    return total;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
