/**
 * A signed write is accepted once per cluster, not once per process. The HTTP layer's
 * ReplayGuard (platform/replay-guard.ts) remembers the signatures one process admitted; a
 * captured request sent to another replica of the same subgraph passes it. So every write
 * records its request's signature nonce (platform/auth.ts) in the target context's own
 * `signature_nonces` table, as the first statement of the write's own transaction, under a
 * unique key: the nonce is stored if and only if the write committed, and a replay to any
 * replica collides with it, is refused with 401 (UNAUTHENTICATED) and writes nothing.
 *
 * The same request may write more than once (a document with two mutation fields, a re-run
 * after an ambiguous COMMIT): each request gets its own random `requestId`, stored with the
 * nonce, and a nonce already held by the same request id is this request's own.
 *
 * A nonce is kept until its signature's time plus twice the tolerance (a signature is
 * refused as expired after one tolerance; the second covers a database clock that far
 * ahead of the signer's) and then pruned in batches, like the idempotency keys (pruner.ts).
 */
import { ErrorCode, AppError } from '../../platform/errors';
import { SIGNATURE_TOLERANCE_MS, type Verified } from '../../platform/auth';
import type { RawSql } from './idempotency';

/** The verified signature of the request a write serves, and that request's own id. */
export interface SignedRequest {
  signature: Pick<Verified, 't' | 'nonce'>;
  requestId: string;
}

export const REPLAYED_WRITE =
  'request signature already used for a write in this context (a replayed request is refused); nothing was written';

/** First statement of a signed write: records its nonce, or refuses a request whose nonce another request used. */
export async function claimNonce(tx: RawSql, req: SignedRequest): Promise<void> {
  const { nonce, t } = req.signature;
  const inserted = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO signature_nonces (nonce, request_id, expires_at) VALUES ($1, $2, $3::TIMESTAMPTZ AT TIME ZONE 'UTC')
     ON CONFLICT (nonce) DO NOTHING RETURNING nonce`,
    nonce,
    req.requestId,
    new Date(t + 2 * SIGNATURE_TOLERANCE_MS).toISOString(),
  );
  if (inserted.length === 1) return;
  // ON CONFLICT DO NOTHING waited for a concurrent holder of the nonce to commit or roll back.
  const [stored] = await tx.$queryRawUnsafe<{ request_id: string }[]>(
    'SELECT request_id FROM signature_nonces WHERE nonce = $1',
    nonce,
  );
  if (stored?.request_id === req.requestId) return;
  // (No row: the holder rolled back between the two statements; refusing is still right: the
  // signature was sent twice, and the caller signs a retry anew.)
  throw new AppError(ErrorCode.UNAUTHENTICATED, REPLAYED_WRITE).toGraphQLError({ httpStatus: true });
}

/** Deletes expired nonces, `batch` at a time (bounded transactions); returns how many went. */
export async function pruneExpiredNonces(db: RawSql, batch = 1_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRawUnsafe(
      `DELETE FROM signature_nonces WHERE nonce IN (SELECT nonce FROM signature_nonces WHERE expires_at < (now() AT TIME ZONE 'UTC') LIMIT $1)`,
      batch,
    );
    total += deleted;
    if (deleted < batch) return total;
  }
}
