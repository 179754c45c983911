/**
 * The one way a subgraph writes: a transaction that is run again when the database says it
 * did nothing, and that is never blindly run again when the database cannot say.
 *
 * CockroachDB's contract (and PostgreSQL's, which is a subset): a 40001 at any statement,
 * COMMIT included, means the transaction was aborted, so it is re-run. A 40003 ("result is
 * ambiguous") or a connection lost while the transaction was open means the COMMIT may or may
 * not have been applied. Then the write is resolved by reading it back: every id the write
 * creates is decided by the caller *before* this loop (an account id, an event id, an
 * idempotency key), so `lookup` can find the committed row, and a re-run after a "not found"
 * cannot create a second one: it collides with the first on the same primary key, and the
 * next lookup finds it. Writes that are idempotent by construction (an upsert, an insert that
 * skips duplicates, a claimed idempotency key) say `rerunnable` instead.
 *
 * Writes run at READ COMMITTED with explicit row locks (`SELECT … FOR UPDATE`) where they
 * read what they then write, so concurrent writers of one row queue on its lock instead of
 * aborting each other (CockroachDB: READ COMMITTED needs sql.txn.read_committed_isolation.enabled;
 * where it is off the transaction runs SERIALIZABLE and the 40001 retries take over).
 *
 * Single statements that did everything or nothing (the outbox's claim, ack and fail; the
 * seeder's batches) are re-run on a serialization failure only, by `retryConflicts`. Both
 * back off through the one retry primitive, platform/retry.ts.
 */
import { AppError, ErrorCode } from '../../platform/errors';
import { withRetry, type RetryOptions } from '../../platform/retry';
import { dbErrorKind, isSerializationFailure, type DbErrorKind } from './db-errors';
import type { RawSql } from './idempotency';
import { claimNonce, type SignedRequest } from './signature-nonces';

export type Isolation = 'ReadCommitted' | 'Serializable';

/** The slice of a generated PrismaClient that `writeTransaction` needs. */
export interface TransactionalClient<Tx> {
  $transaction<R>(
    fn: (tx: Tx) => Promise<R>,
    options?: { isolationLevel?: Isolation; maxWait?: number; timeout?: number },
  ): Promise<R>;
}

export interface WriteOptions<R> {
  retry: RetryOptions;
  /**
   * Reads back the outcome of an attempt whose COMMIT may have been applied, by the ids the
   * caller decided before the loop: the result if it committed, null if it did not.
   */
  lookup?: () => Promise<R | null>;
  /** Running the transaction again after an ambiguous outcome cannot write twice. */
  rerunnable?: boolean;
  /** @default 'ReadCommitted' */
  isolation?: Isolation;
  /** Longest wait for a pooled connection, in ms (writes queue for connections under load). @default 4000 */
  maxWaitMs?: number;
  /** Longest run of one attempt (lock waits included), in ms; Prisma rolls back after it. @default 5000 */
  timeoutMs?: number;
  /** Called before each retry, with the kind of failure (for logs and tests). */
  onRetry?: (attempt: number, kind: DbErrorKind, err: unknown) => void;
  /**
   * The signed request this write serves (SubgraphContext.signed): its nonce is recorded
   * first in the transaction, so a replay to any replica writes nothing (signature-nonces.ts).
   */
  signed?: SignedRequest;
}

const RETRYABLE = new Set<DbErrorKind>(['serialization', 'aborted', 'ambiguous', 'connection', 'unreachable']);

const times = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;

/** A write error for the client, carrying the database's own error for this process's log (kit/mask.ts). */
const writeError = (code: ErrorCode, message: string, attempts: number, cause: unknown) =>
  new AppError(code, message, { attempts }, { cause }).toGraphQLError();

export const outcomeUnknown = (detail: string, attempts: number, cause?: unknown) =>
  writeError(
    ErrorCode.OUTCOME_UNKNOWN,
    `the database did not confirm whether the write was applied (${detail}); it may or may not have happened: ` +
      'retry with the same Idempotency-Key, or read the data back before writing again',
    attempts,
    cause,
  );

function finalError(kind: DbErrorKind, attempts: number, err: unknown): unknown {
  switch (kind) {
    case 'serialization':
      return writeError(
        ErrorCode.TRANSACTION_CONFLICT,
        `transaction lost a serialization conflict ${attempts} times in a row; nothing was written, try again`,
        attempts,
        err,
      );
    // ('connection' and 'ambiguous' never get here: they leave the write unsettled, OUTCOME_UNKNOWN.)
    case 'aborted':
    case 'unreachable':
      return writeError(
        ErrorCode.DATABASE_UNAVAILABLE,
        `the database is unavailable; nothing was written (${times(attempts)}), try again later`,
        attempts,
        err,
      );
    default:
      return err;
  }
}

/**
 * Runs `fn(attempt)` again while it loses a serialization conflict (40001, which Prisma reports
 * as P2034 and never retries); after `maxAttempts` it throws TRANSACTION_CONFLICT. Any other
 * error is thrown at once, unchanged. For work that did everything or nothing on each attempt.
 */
export async function retryConflicts<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  let attempts = 0;
  try {
    return await withRetry(
      (attempt) => {
        attempts = attempt;
        return fn(attempt);
      },
      { ...opts, retryable: isSerializationFailure },
    );
  } catch (err) {
    if (!isSerializationFailure(err)) throw err;
    throw writeError(
      ErrorCode.TRANSACTION_CONFLICT,
      `transaction lost a serialization conflict ${attempts} times in a row; try again`,
      attempts,
      err,
    );
  }
}

/** An attempt's failure that the retry policy runs again after; `error` is the database's own. */
class Retryable extends Error {
  constructor(
    readonly kind: DbErrorKind,
    readonly error: unknown,
  ) {
    super(`${kind} failure`);
  }
}

export async function writeTransaction<Tx extends RawSql, R>(
  client: TransactionalClient<Tx>,
  write: (tx: Tx) => Promise<R>,
  opts: WriteOptions<R>,
): Promise<R> {
  const { signed } = opts;
  const fn = signed
    ? async (tx: Tx) => {
        await claimNonce(tx, signed);
        return write(tx);
      }
    : write;
  const options = {
    isolationLevel: opts.isolation ?? 'ReadCommitted',
    maxWait: opts.maxWaitMs ?? 4_000,
    timeout: opts.timeoutMs ?? 5_000,
  } as const;
  /** An attempt may have committed and no lookup (or successful re-run) has settled it yet. */
  let unsettled = false;
  /** Some attempt was ambiguous: a later unique violation may be that attempt's row. */
  let everAmbiguous = false;
  let attempts = 0;
  const attempt = async (n: number): Promise<R> => {
    attempts = n;
    let kind: DbErrorKind;
    let error: unknown;
    try {
      if (unsettled && opts.lookup) {
        const found = await opts.lookup();
        if (found !== null) return found;
        unsettled = false; // it did not commit: running it again is the first write
      }
      return await client.$transaction(fn, options);
    } catch (err) {
      error = err;
      kind = dbErrorKind(err);
    }
    if (kind === 'unique' && everAmbiguous && opts.lookup) kind = 'ambiguous';
    if (kind === 'ambiguous' || kind === 'connection') {
      if (!opts.lookup && !opts.rerunnable)
        throw outcomeUnknown(`${kind} result, and this write cannot be read back`, n, error);
      unsettled = true;
      everAmbiguous = true;
    }
    throw RETRYABLE.has(kind) ? new Retryable(kind, error) : error;
  };
  try {
    return await withRetry(attempt, {
      maxAttempts: opts.retry.maxAttempts,
      baseDelayMs: opts.retry.baseDelayMs,
      maxDelayMs: opts.retry.maxDelayMs,
      retryable: (err) => err instanceof Retryable,
      onRetry: (n, _, err) => opts.onRetry?.(n, (err as Retryable).kind, (err as Retryable).error),
    });
  } catch (err) {
    if (!(err instanceof Retryable)) throw err;
    // An attempt that may have committed and that no lookup or later run settled: unknown.
    throw unsettled
      ? outcomeUnknown(`${err.kind} after ${times(attempts)}`, attempts, err.error)
      : finalError(err.kind, attempts, err.error);
  }
}
