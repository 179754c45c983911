/**
 * Per-request batching for the image context: one SQL statement per batch, prepared
 * (kit/sql.ts) since every aggregated view reads an image.
 */
import DataLoader from 'dataloader';
import type { AccountImage, Prisma } from '../../generated/image/client';
import { modelStatement, type ModelColumns, type Sql } from '../kit/sql';

export interface ImageLoaders {
  image: DataLoader<string, AccountImage | null>;
}

/** Rows shaped as Prisma's `AccountImage`. */
export const IMAGES_BY_ACCOUNT = modelStatement(
  'image_images_by_account',
  {
    model: 'AccountImage',
    table: 'account_images',
    columns: {
      accountId: 'account_id',
      url: 'url',
      updatedAt: 'updated_at',
    } satisfies ModelColumns<Prisma.AccountImageScalarFieldEnum>,
  },
  'WHERE "account_id" = ANY($1::TEXT[])',
);

export function createImageLoaders(_prisma: unknown, sql: Sql): ImageLoaders {
  return {
    image: new DataLoader(async (accountIds) => {
      const rows = await sql.rows<AccountImage>(IMAGES_BY_ACCOUNT, [accountIds]);
      const byId = new Map(rows.map((r) => [r.accountId, r]));
      return accountIds.map((id) => byId.get(id) ?? null);
    }),
  };
}
