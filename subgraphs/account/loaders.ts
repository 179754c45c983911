/**
 * Per-request batching for the account context: one SQL statement per batch (quotes:
 * cached per process). Accounts by id is the hottest read (every aggregated view and every
 * `_entities` call): a prepared statement (kit/sql.ts) rather than a Prisma query.
 */
import DataLoader from 'dataloader';
import type { PrismaClient, Account, Quote } from '../../generated/account/client';
import type { Sql } from '../kit/sql';
import { quoteCacheOf } from './quotes';

export interface AccountLoaders {
  account: DataLoader<string, Account | null>;
  /** All quotes of a language, from the process's copy of the reference table (quotes.ts). */
  quotesByLanguage: DataLoader<string, Quote[]>;
}

/** Rows shaped as Prisma's `Account`. */
export const ACCOUNTS_BY_ID = {
  name: 'account_accounts_by_id',
  text: 'SELECT "id", "name", "created_at" AS "createdAt" FROM "accounts" WHERE "id" = ANY($1::TEXT[])',
};

export function createAccountLoaders(prisma: PrismaClient, sql: Sql): AccountLoaders {
  return {
    account: new DataLoader(async (ids) => {
      const rows = await sql.rows<Account>(ACCOUNTS_BY_ID, [ids]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    quotesByLanguage: new DataLoader((languages) => quoteCacheOf(prisma).of(languages)),
  };
}
