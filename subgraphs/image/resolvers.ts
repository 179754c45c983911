import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { badInput } from '../../platform/errors';
import type { AccountImage, PrismaClient } from '../../generated/image/client';
import { serializable } from '../kit/retry';
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
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`${field} must be an http or https URL`, field);
  return text;
}

const view = (image: AccountImage, ctx: Ctx) => ({ id: image.accountId, url: image.url, servedBy: ctx.servedBy });

export const imageResolvers: GraphQLResolverMap<Ctx> = {
  Account: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    imageData: async (account: { id: string }, _: unknown, ctx: Ctx) => {
      const image = await ctx.loaders.image.load(account.id);
      return image ? view(image, ctx) : null;
    },
  },
  Mutation: {
    setAccountImage: async (_: unknown, args: { accountId: string; url: string }, ctx: Ctx) => {
      const accountId = requireId('accountId', args.accountId);
      const url = requireHttpUrl('url', args.url);
      const image = await serializable(
        ctx.db,
        (tx) => tx.accountImage.upsert({ where: { accountId }, create: { accountId, url }, update: { url, updatedAt: new Date() } }),
        ctx.retry,
      );
      return view(image, ctx);
    },
  },
};
