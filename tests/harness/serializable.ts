/**
 * A SERIALIZABLE transaction re-run on serialization failures (kit/transaction.ts's retryConflicts), for
 * the tests that provoke real write skew and append conflicts at the database's default
 * isolation. The subgraphs themselves write through kit/transaction.ts.
 */
import type { RetryOptions } from '../../platform/retry';
import { retryConflicts, type TransactionalClient } from '../../subgraphs/kit/transaction';

export function serializable<Tx, R>(
  client: TransactionalClient<Tx>,
  fn: (tx: Tx) => Promise<R>,
  opts: RetryOptions,
): Promise<R> {
  return retryConflicts(() => client.$transaction(fn, { isolationLevel: 'Serializable' }), opts);
}
