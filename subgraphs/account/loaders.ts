/**
 * Per-request batching for the account context: one SQL statement per batch (quotes: from
 * the subgraph's copy of the table, quotes.ts). Accounts by id is the hottest read (every
 * aggregated view and every `_entities` call): a prepared statement (kit/sql.ts) rather
 * than a Prisma query.
 */
import DataLoader from 'dataloader';
import type { PrismaClient, Account, Prisma, Quote } from '../../generated/account/client';
import { modelStatement, type ModelColumns, type Sql } from '../kit/sql';
import { QuoteCache } from './quotes';

export interface AccountLoaders {
  account: DataLoader<string, Account | null>;
  /** All quotes of a language, from the subgraph's copy of the reference table (quotes.ts). */
  quotesByLanguage: DataLoader<string, Quote[]>;
}

/** Rows shaped as Prisma's `Account`. */
export const ACCOUNTS_BY_ID = modelStatement(
  'account_accounts_by_id',
  {
    model: 'Account',
    table: 'accounts',
    columns: { id: 'id', name: 'name', createdAt: 'created_at' } satisfies ModelColumns<Prisma.AccountScalarFieldEnum>,
  },
  'WHERE "id" = ANY($1::TEXT[])',
);

/** Once per subgraph: the quote cache its requests share; returns each request's loaders. */
export function accountLoaders(prisma: PrismaClient, sql: Sql): () => AccountLoaders {
  const quotes = new QuoteCache(prisma);
  return () => createAccountLoaders(sql, quotes);
}

export function createAccountLoaders(sql: Sql, quotes: QuoteCache): AccountLoaders {
  return {
    account: new DataLoader(async (ids) => {
      const rows = await sql.rows<Account>(ACCOUNTS_BY_ID, [ids]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    quotesByLanguage: new DataLoader((languages) => quotes.of(languages)),
  };
}
