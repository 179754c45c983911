/**
 * Per-request batching for the image context: one SQL statement per batch, prepared
 * (kit/sql.ts) since every aggregated view reads an image.
 */
import DataLoader from 'dataloader';
import type { AccountImage } from '../../generated/image/client';
import type { Sql } from '../kit/sql';

export interface ImageLoaders {
  image: DataLoader<string, AccountImage | null>;
}

/** Rows shaped as Prisma's `AccountImage`. */
export const IMAGES_BY_ACCOUNT = {
  name: 'image_images_by_account',
  text: 'SELECT "account_id" AS "accountId", "url", "updated_at" AS "updatedAt" FROM "account_images" WHERE "account_id" = ANY($1::TEXT[])',
};

export function createImageLoaders(_prisma: unknown, sql: Sql): ImageLoaders {
  return {
    image: new DataLoader(async (accountIds) => {
      const rows = await sql.rows<AccountImage>(IMAGES_BY_ACCOUNT, [accountIds]);
      const byId = new Map(rows.map((r) => [r.accountId, r]));
      return accountIds.map((id) => byId.get(id) ?? null);
    }),
  };
}
