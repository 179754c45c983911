/**
 * Idempotency keys (the IETF `Idempotency-Key` header, Stripe's model) for a context's
 * writes. The context that owns a write keeps, in its own `idempotency_keys` table and in
 * the same transaction as the write: the key, a fingerprint of the request (operation and
 * arguments), and the result. So a key is stored if and only if its write committed.
 *
 * `claimKey` runs first in the write's transaction: it inserts the key, or, when the key is
 * already there, returns the stored result (same request) or refuses (different request).
 * A second request with the same key while the first is still running waits on the first's
 * uncommitted key row (INSERT … ON CONFLICT DO NOTHING waits for the other writer, at READ
 * COMMITTED on PostgreSQL and CockroachDB alike) and then sees its result.
 * Successful results only are stored: a request that failed wrote nothing, key included, so
 * the same key may be sent again and runs anew. Keys are kept `ttlHours` (at least 24) and then
 * pruned in batches (`pruneExpiredKeys`, run by the context's pruner worker).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, badInput, graphqlError } from '../../platform/errors';
import { keyProblem } from '../../platform/idempotency-key';

/** The raw-SQL slice of a Prisma (transaction) client the key store needs. */
export interface RawSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface KeyedRequest {
  key: string;
  /** The mutation field, e.g. `createAccount`. */
  operation: string;
  fingerprint: string;
  ttlHours: number;
}

/** JSON with object keys sorted, so that equal arguments always hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const fingerprint = (operation: string, args: unknown) =>
  createHash('sha256')
    .update(`${operation}\n${canonical(args)}`)
    .digest('hex');

/** The keyed form of a write, or undefined when the request carried no key. */
export function keyedRequest(
  key: string | undefined,
  operation: string,
  args: unknown,
  ttlHours: number,
): KeyedRequest | undefined {
  if (key === undefined) return undefined;
  const problem = keyProblem(key);
  if (problem) throw badInput(problem, 'Idempotency-Key');
  return { key, operation, fingerprint: fingerprint(operation, args), ttlHours };
}

const NOW = `(now() AT TIME ZONE 'UTC')`;

interface StoredKey {
  operation: string;
  fingerprint: string;
  result: unknown;
}

/**
 * First statement of a keyed write: takes the key for this transaction, or returns what the
 * committed request with this key answered (`{ replay }`). Throws IDEMPOTENCY_KEY_REUSED when
 * the key was used for a different request.
 */
export async function claimKey<R>(tx: RawSql, req: KeyedRequest): Promise<{ replay: R } | undefined> {
  const inserted = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO idempotency_keys (key, operation, fingerprint, expires_at)
     VALUES ($1, $2, $3, ${NOW} + ($4::FLOAT8 * INTERVAL '1 hour'))
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    req.key,
    req.operation,
    req.fingerprint,
    req.ttlHours,
  );
  if (inserted.length === 1) return undefined;
  const [stored] = await tx.$queryRawUnsafe<StoredKey[]>(
    'SELECT operation, fingerprint, result FROM idempotency_keys WHERE key = $1',
    req.key,
  );
  if (!stored) {
    // Inserted by a transaction that has since rolled back: not ours to answer; the caller re-runs.
    throw graphqlError(
      ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
      'a request with this Idempotency-Key is in progress; retry shortly with the same key',
    );
  }
  if (stored.fingerprint !== req.fingerprint) {
    throw graphqlError(
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
      `this Idempotency-Key was already used for a different request (${stored.operation === req.operation ? `${req.operation} with other arguments` : stored.operation}); use a new key for a new request`,
    );
  }
  if (stored.result === null || stored.result === undefined) {
    throw graphqlError(
      ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
      'a request with this Idempotency-Key is in progress; retry shortly with the same key',
    );
  }
  return { replay: stored.result as R };
}

/** Last statement of a keyed write: the result a repeat of the request will get. */
export async function storeResult(tx: RawSql, key: string, result: unknown): Promise<void> {
  await tx.$executeRawUnsafe(
    'UPDATE idempotency_keys SET result = $2::JSONB WHERE key = $1',
    key,
    JSON.stringify(result),
  );
}

/** Deletes expired keys, `batch` at a time (bounded transactions); returns how many went. */
export async function pruneExpiredKeys(db: RawSql, batch = 1_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRawUnsafe(
      `DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE expires_at < ${NOW} LIMIT $1)`,
      batch,
    );
    total += deleted;
    if (deleted < batch) return total;
  }
}
