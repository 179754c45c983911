/** The image context's resolvers, typed from its SDL (generated/graphql/image.ts). */
import { badInput } from '../../platform/errors';
import type { Resolvers } from '../../generated/graphql/image';
import type { AccountImage, PrismaClient } from '../../generated/image/client';
import { claimKey, keyedRequest, storeResult } from '../kit/idempotency';
import { writeTransaction } from '../kit/transaction';
import type { SubgraphContext } from '../kit/subgraph';
import { requireId, requireText } from '../kit/validate';
import type { ImageLoaders } from './loaders';

type Ctx = SubgraphContext<PrismaClient, ImageLoaders>;

export function requireHttpUrl(field: string, value: unknown): string {
  const text = requireText(field, value, 2048);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput(`${field} must be an absolute URL (got ${JSON.stringify(text)})`, field);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badInput(`${field} must be an http or https URL`, field);
  return text;
}

interface StoredImage {
  accountId: string;
  url: string;
  updatedAt: string;
}

const view = (image: AccountImage, ctx: Ctx) => ({ id: image.accountId, url: image.url, servedBy: ctx.servedBy });

export const imageResolvers: Resolvers<Ctx> = {
  Account: {
    __resolveReference: (ref) => ({ id: ref.id }),
    imageData: async (account, _, ctx) => {
      const image = await ctx.loaders.image.load(account.id);
      return image ? view(image, ctx) : null;
    },
  },
  Mutation: {
    setAccountImage: async (_, args, ctx) => {
      const accountId = requireId('accountId', args.accountId);
      const url = requireHttpUrl('url', args.url);
      const key = keyedRequest(ctx.idempotencyKey, 'setAccountImage', { accountId, url }, ctx.idempotencyTtlHours);
      // An upsert: running it again after an ambiguous commit sets the same URL (rerunnable);
      // with a key, the key is claimed first and the stored answer returned on a repeat.
      const result = await writeTransaction(
        ctx.db,
        async (tx) => {
          const prior = key ? await claimKey<StoredImage>(tx, key) : undefined;
          if (prior) return { image: { ...prior.replay, updatedAt: new Date(prior.replay.updatedAt) }, replayed: true };
          const image = await tx.accountImage.upsert({
            where: { accountId },
            create: { accountId, url },
            update: { url, updatedAt: new Date() },
          });
          if (key)
            await storeResult(tx, key.key, {
              accountId: image.accountId,
              url: image.url,
              updatedAt: image.updatedAt.toISOString(),
            });
          return { image, replayed: false };
        },
        { retry: ctx.retry, rerunnable: true, signed: ctx.signed },
      );
      if (result.replayed) ctx.markReplayed();
      return view(result.image, ctx);
    },
  },
};
