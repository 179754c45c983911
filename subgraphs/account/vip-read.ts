/**
 * recordVipRead's write: one VIP_READ outbox row, under a key of its own (outbox/vip.ts
 * vipKey) so it is ordered behind nothing, with its id decided before the retry loop so an
 * ambiguous commit is settled by looking the row up (kit/transaction.ts).
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../generated/account/client';
import type { RetryOptions } from '../../platform/retry';
import { writeTransaction, type WriteOptions } from '../kit/transaction';
import { appendEvent } from './outbox/store';
import { VIP_EVENT, vipKey } from './outbox/vip';

export async function recordVipRead(
  db: PrismaClient,
  accountId: string,
  retry: RetryOptions,
  signed?: WriteOptions<unknown>['signed'],
): Promise<string> {
  const id = randomUUID();
  const key = vipKey(id, accountId);
  return writeTransaction(db, (tx) => appendEvent(tx, key, VIP_EVENT, new Date(), { first: true, id }), {
    retry,
    signed, // a replayed request records no second notification, on any replica (kit/signature-nonces.ts)
    lookup: async () => ((await db.outboxEvent.findUnique({ where: { id } })) ? id : null),
  });
}
