/**
 * Per-request batching for the data context: one SQL statement per batch. The events of a
 * set of accounts (every aggregated view) are a prepared statement (kit/sql.ts); counts of
 * accounts whose events the request does not read are a Prisma groupBy.
 *
 * `events` and `eventCount` of one account in one request agree: when the request reads both,
 * the count is the length of the same rows (one statement, one snapshot) rather than a
 * second statement that could see an event delivered in between (three events listed, a count
 * of four).
 */
import DataLoader from 'dataloader';
import type { AccountEvent, Prisma, PrismaClient } from '../../generated/data/client';
import { modelStatement, type ModelColumns, type Sql } from '../kit/sql';

export interface DataLoaders {
  /** Every event of one account, in history order; resolvers filter by name themselves. */
  history: DataLoader<string, AccountEvent[]>;
  /** Number of events of one account: counted from `history` when this request reads it too. */
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
export const EVENTS_BY_ACCOUNT = modelStatement(
  'data_events_by_account',
  {
    model: 'AccountEvent',
    table: 'account_events',
    columns: {
      id: 'id',
      accountId: 'account_id',
      eventName: 'event_name',
      created: 'created',
    } satisfies ModelColumns<Prisma.AccountEventScalarFieldEnum>,
  },
  'WHERE "account_id" = ANY($1::TEXT[]) ORDER BY "created", "id"',
);

export function createDataLoaders(prisma: PrismaClient, sql: Sql): DataLoaders {
  // Which accounts' histories this request has asked for (DataLoader's own cache, by account id).
  const asked = new Map<string, Promise<AccountEvent[]>>();
  const history = new DataLoader<string, AccountEvent[]>(
    async (accountIds) => {
      const byAccount = groupBy(await sql.rows<AccountEvent>(EVENTS_BY_ACCOUNT, [[...accountIds]]), (r) => r.accountId);
      return accountIds.map((id) => byAccount.get(id) ?? []);
    },
    { cacheMap: asked },
  );
  return {
    history,
    // A batch runs after every field of its level has been resolved, so by then `asked` holds
    // the accounts whose events the same request reads.
    eventCount: new DataLoader(async (accountIds) => {
      const counted = accountIds.filter((id) => !asked.has(id));
      const counts = counted.length
        ? await prisma.accountEvent.groupBy({
            by: ['accountId'],
            where: { accountId: { in: counted } },
            _count: { _all: true },
          })
        : [];
      const byId = new Map(counts.map((c) => [c.accountId, c._count._all]));
      return Promise.all(
        accountIds.map(async (id) => (asked.has(id) ? (await history.load(id)).length : (byId.get(id) ?? 0))),
      );
    }),
  };
}
