/**
 * SERIALIZABLE write transactions that retry on serialization failures, as CockroachDB
 * asks every client to: SQLSTATE 40001, which Prisma reports as P2034 and never retries.
 * Bounded exponential backoff with full jitter.
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

/** The slice of a generated PrismaClient that `serializable` needs. */
export interface TransactionalClient<Tx> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { isolationLevel?: 'Serializable'; maxWait?: number; timeout?: number }): Promise<R>;
}

/** Runs `fn` in a SERIALIZABLE transaction, re-running it from the start on a serialization failure. */
export function serializable<Tx, R>(client: TransactionalClient<Tx>, fn: (tx: Tx) => Promise<R>, opts: RetryOptions): Promise<R> {
  return withRetry(() => client.$transaction(fn, { isolationLevel: 'Serializable' }), opts);
}
