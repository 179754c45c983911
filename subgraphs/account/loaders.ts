/** Per-request batching for the account context: one SQL statement per batch (quotes: cached per process). */
import DataLoader from 'dataloader';
import type { PrismaClient, Account, Quote } from '../../generated/account/client';
import { quoteCacheOf } from './quotes';

export interface AccountLoaders {
  account: DataLoader<string, Account | null>;
  /** All quotes of a language, from the process's copy of the reference table (quotes.ts). */
  quotesByLanguage: DataLoader<string, Quote[]>;
}

export function createAccountLoaders(prisma: PrismaClient): AccountLoaders {
  return {
    account: new DataLoader(async (ids) => {
      const rows = await prisma.account.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    quotesByLanguage: new DataLoader((languages) => quoteCacheOf(prisma).of(languages)),
  };
}
