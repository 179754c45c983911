/** Per-request batching for the image context: one SQL statement per batch. */
import DataLoader from 'dataloader';
import type { AccountImage, PrismaClient } from '../../generated/image/client';

export interface ImageLoaders {
  image: DataLoader<string, AccountImage | null>;
}

export function createImageLoaders(prisma: PrismaClient): ImageLoaders {
  return {
    image: new DataLoader(async (accountIds) => {
      const rows = await prisma.accountImage.findMany({ where: { accountId: { in: [...accountIds] } } });
      const byId = new Map(rows.map((r) => [r.accountId, r]));
      return accountIds.map((id) => byId.get(id) ?? null);
    }),
  };
}
