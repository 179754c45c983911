/** Per-request batching for the data context: one SQL statement per batch. */
import DataLoader from 'dataloader';
import type { AccountEvent, PrismaClient } from '../../generated/data/client';

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

export function createDataLoaders(prisma: PrismaClient): DataLoaders {
  return {
    events: new DataLoader(
      async (keys) => {
        // One statement for the whole batch, whatever mix of filters it holds.
        const rows = await prisma.accountEvent.findMany({
          where: { accountId: { in: [...new Set(keys.map((k) => k.accountId))] } },
          orderBy: [{ created: 'asc' }, { id: 'asc' }],
        });
        const byAccount = groupBy(rows, (r) => r.accountId);
        return keys.map((k) => (byAccount.get(k.accountId) ?? []).filter((e) => k.eventName === null || e.eventName === k.eventName));
      },
      { cacheKeyFn: (k) => `${k.eventName ?? ''}\u0000${k.accountId}` },
    ),
    eventCount: new DataLoader(async (accountIds) => {
      const counts = await prisma.accountEvent.groupBy({ by: ['accountId'], where: { accountId: { in: [...accountIds] } }, _count: { _all: true } });
      const byId = new Map(counts.map((c) => [c.accountId, c._count._all]));
      return accountIds.map((id) => byId.get(id) ?? 0);
    }),
  };
}
