/** The account context's resolvers, typed from its SDL (generated/graphql/account.ts). */
import type { PrismaClient } from '../../generated/account/client';
import type { Resolvers } from '../../generated/graphql/account';
import { followerRead } from '../kit/dialect';
import { DateTime } from '../kit/scalars';
import type { SubgraphContext } from '../kit/subgraph';
import { decodeCursor, encodeCursor, optionalPrefix, requireId, requireRange, requireText } from '../kit/validate';
import type { AccountLoaders } from './loaders';
import { EAGER_WORKER } from './outbox/eager';
import { RELAY_WORKER } from './outbox/relay';
import { recordedEventResolver, withRecordedEvent, type AccountWithEvent } from './recorded-event';
import { recordVipRead } from './vip-read';
import { createAccount, renameAccount, saveAccount, type WriteRequest, type WriteResult } from './writes';

type Ctx = SubgraphContext<PrismaClient, AccountLoaders>;

export const DEFAULT_LANGUAGE = 'en';
export const MAX_PAGE = 100;

/** A stable choice of quote per account: the same account gets the same quote. */
export function quoteIndex(accountId: string, count: number): number {
  let h = 0;
  for (let i = 0; i < accountId.length; i++) h = (h * 31 + accountId.charCodeAt(i)) >>> 0;
  return h % count;
}

/** Escapes LIKE's wildcards (and its default escape character) so that the text matches literally. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

const writeRequest = (ctx: Ctx): WriteRequest => ({
  idempotencyKey: ctx.idempotencyKey,
  idempotencyTtlHours: ctx.idempotencyTtlHours,
  retry: ctx.retry,
  signed: ctx.signed,
});

/**
 * The mutation's account, carrying the event it recorded (recorded-event.ts); a replay
 * carries the stored one. Before answering, the event is delivered to the data context
 * (outbox/eager.ts, within its deadline; it never fails the write), so that a read after
 * this answer lists it; the relay is woken for anything the eager path left behind.
 */
async function answer(result: WriteResult, ctx: Ctx): Promise<AccountWithEvent> {
  if (result.replayed) ctx.markReplayed();
  await ctx.settle(EAGER_WORKER, result.pending, result.account.id);
  ctx.wake(RELAY_WORKER);
  return withRecordedEvent(result.account, result.event.id, result.event.eventName, result.event.occurredAt);
}

export const accountResolvers: Resolvers<Ctx> = {
  DateTime,
  Query: {
    account: (_, args, ctx) => ctx.loaders.account.load(requireId('id', args.id)),
    accounts: async (_, args, ctx) => {
      // The SDL's default (20) does not apply to an explicit `first: null`.
      const first = requireRange('first', args.first ?? 20, 1, MAX_PAGE);
      const after = args.after ? decodeCursor('after', args.after) : undefined;
      const namePrefix = optionalPrefix('namePrefix', args.namePrefix);
      // A name-prefix listing (REST /accountsbyname) may be seconds stale: a follower read on CockroachDB.
      const read = namePrefix ? followerRead : <D, T>(db: D, fn: (db: D) => Promise<T>) => fn(db);
      const rows = await read(ctx.db, (db) =>
        db.account.findMany({
          where: {
            // Prisma passes startsWith to LIKE unescaped: a literal prefix must escape the wildcards.
            ...(namePrefix ? { name: { startsWith: escapeLike(namePrefix) } } : {}),
            ...(after !== undefined ? { id: { gt: after } } : {}),
          },
          orderBy: { id: 'asc' },
          take: first + 1,
        }),
      );
      const page = rows.slice(0, first);
      // Prime the per-request cache so that entity look-ups in this request reuse the rows.
      for (const row of page) ctx.loaders.account.prime(row.id, row);
      const edges = page.map((node) => ({ cursor: encodeCursor(node.id), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > first,
          hasPreviousPage: after !== undefined,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      };
    },
  },
  Mutation: {
    // The account and its CREATED / UPDATED event commit together (transactional outbox);
    // answer() delivers the event before returning, the relay when that could not (writes.ts).
    createAccount: async (_, args, ctx) => {
      const name = requireText('name', args.name);
      return answer(await createAccount(ctx.db, name, writeRequest(ctx)), ctx);
    },
    renameAccount: async (_, args, ctx) => {
      const id = requireId('id', args.id);
      const name = requireText('name', args.name);
      return answer(await renameAccount(ctx.db, id, name, writeRequest(ctx)), ctx);
    },
    // P13's VIP notification, through the outbox: the relay publishes it (outbox/vip.ts).
    recordVipRead: async (_, args, ctx) => {
      const id = await recordVipRead(ctx.db, requireId('accountId', args.accountId), ctx.retry, ctx.signed);
      ctx.wake(RELAY_WORKER);
      return id;
    },
    saveAccount: async (_, args, ctx) => {
      const id = requireId('id', args.id);
      const name = requireText('name', args.name);
      return answer(await saveAccount(ctx.db, id, name, writeRequest(ctx)), ctx);
    },
  },
  Account: {
    __resolveReference: (ref, ctx) => ctx.loaders.account.load(ref.id),
    servedBy: (_, __, ctx) => ctx.servedBy,
    recordedEvent: recordedEventResolver,
    quote: async (account, args, ctx) => {
      const language = args.language ? requireText('language', args.language, 16).toLowerCase() : DEFAULT_LANGUAGE;
      let quotes = await ctx.loaders.quotesByLanguage.load(language);
      if (quotes.length === 0 && language !== DEFAULT_LANGUAGE)
        quotes = await ctx.loaders.quotesByLanguage.load(DEFAULT_LANGUAGE);
      const quote = quotes[quoteIndex(account.id, quotes.length)];
      return quote ? { text: quote.text, language: quote.language, servedBy: ctx.servedBy } : null;
    },
  },
};
