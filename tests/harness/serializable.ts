/**
 * A SERIALIZABLE transaction re-run on serialization failures (kit/retry.ts's withRetry), for
 * the tests that provoke real write skew and append conflicts at the database's default
 * isolation. The subgraphs themselves write through kit/transaction.ts.
 */
import { withRetry, type RetryOptions, type TransactionalClient } from '../../subgraphs/kit/retry';

export function serializable<Tx, R>(
  client: TransactionalClient<Tx>,
  fn: (tx: Tx) => Promise<R>,
  opts: RetryOptions,
): Promise<R> {
  return withRetry(() => client.$transaction(fn, { isolationLevel: 'Serializable' }), opts);
}
