/**
 * Per-request batching for the data context: one SQL statement per batch. The events of a
 * set of accounts (every aggregated view) are a prepared statement (kit/sql.ts); counts
 * stay a Prisma groupBy.
 */
import DataLoader from 'dataloader';
import type { AccountEvent, PrismaClient } from '../../generated/data/client';
import type { Sql } from '../kit/sql';

export interface DataLoaders {
  /** Events of one account, keyed by `${eventName ?? ''}\u0000${accountId}`. */
  events: DataLoader<{ accountId: string; eventName: string | null }, AccountEvent[], string>;
  eventCount: DataLoader<string, number>;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Rows shaped as Prisma's `AccountEvent`, in history order. */
export const EVENTS_BY_ACCOUNT = {
  name: 'data_events_by_account',
  text: 'SELECT "id", "account_id" AS "accountId", "event_name" AS "eventName", "created" FROM "account_events" WHERE "account_id" = ANY($1::TEXT[]) ORDER BY "created", "id"',
};

export function createDataLoaders(prisma: PrismaClient, sql: Sql): DataLoaders {
  return {
    events: new DataLoader(
      async (keys) => {
        // One statement for the whole batch, whatever mix of filters it holds.
        const rows = await sql.rows<AccountEvent>(EVENTS_BY_ACCOUNT, [[...new Set(keys.map((k) => k.accountId))]]);
        const byAccount = groupBy(rows, (r) => r.accountId);
        return keys.map((k) =>
          (byAccount.get(k.accountId) ?? []).filter((e) => k.eventName === null || e.eventName === k.eventName),
        );
      },
      { cacheKeyFn: (k) => `${k.eventName ?? ''}\u0000${k.accountId}` },
    ),
    eventCount: new DataLoader(async (accountIds) => {
      const counts = await prisma.accountEvent.groupBy({
        by: ['accountId'],
        where: { accountId: { in: [...accountIds] } },
        _count: { _all: true },
      });
      const byId = new Map(counts.map((c) => [c.accountId, c._count._all]));
      return accountIds.map((id) => byId.get(id) ?? 0);
    }),
  };
}
