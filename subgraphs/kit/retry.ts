/**
 * Re-running work that lost a serialization conflict, as CockroachDB asks every client to:
 * SQLSTATE 40001, which Prisma reports as P2034 and never retries. Bounded exponential
 * backoff with full jitter. `withRetry` serves single statements (the outbox's claim, ack and
 * fail; the seeder); the subgraphs' write transactions go through transaction.ts, which also
 * settles ambiguous commits.
 */
import { ErrorCode, graphqlError } from '../../platform/errors';
import { isSerializationFailure } from './db-errors';

export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

export { isSerializationFailure };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 10;
  const cap = opts.maxDelayMs ?? 1_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isSerializationFailure(err)) throw err;
      if (attempt >= opts.maxAttempts) {
        throw graphqlError(
          ErrorCode.TRANSACTION_CONFLICT,
          `transaction lost a serialization conflict ${attempt} times in a row; try again`,
          { attempts: attempt },
        );
      }
      const delay = Math.round(Math.random() * Math.min(cap, base * 2 ** (attempt - 1)));
      opts.onRetry?.(attempt, delay, err);
      await sleep(delay);
    }
  }
}

export type Isolation = 'ReadCommitted' | 'Serializable';

/** The slice of a generated PrismaClient that `writeTransaction` (transaction.ts) needs. */
export interface TransactionalClient<Tx> {
  $transaction<R>(
    fn: (tx: Tx) => Promise<R>,
    options?: { isolationLevel?: Isolation; maxWait?: number; timeout?: number },
  ): Promise<R>;
}
