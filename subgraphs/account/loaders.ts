/** Per-request batching for the account context: one SQL statement per batch. */
import DataLoader from 'dataloader';
import type { PrismaClient, Account, Quote } from '../../generated/account/client';

export interface AccountLoaders {
  account: DataLoader<string, Account | null>;
  /** All quotes of a language (the table is small reference data). */
  quotesByLanguage: DataLoader<string, Quote[]>;
}

export function createAccountLoaders(prisma: PrismaClient): AccountLoaders {
  return {
    account: new DataLoader(async (ids) => {
      const rows = await prisma.account.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    quotesByLanguage: new DataLoader(async (languages) => {
      const rows = await prisma.quote.findMany({ where: { language: { in: [...languages] } }, orderBy: { id: 'asc' } });
      return languages.map((l) => rows.filter((q) => q.language === l));
    }),
  };
}
