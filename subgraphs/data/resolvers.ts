/** The data context's resolvers, typed from its SDL (generated/graphql/data.ts). */
import { randomUUID } from 'node:crypto';
import { badInput } from '../../platform/errors';
import type { PrismaClient } from '../../generated/data/client';
import type { Resolvers } from '../../generated/graphql/data';
import { writeTransaction } from '../kit/transaction';
import { DateTime } from '../kit/scalars';
import type { SubgraphContext } from '../kit/subgraph';
import { requireId } from '../kit/validate';
import type { DataLoaders } from './loaders';

type Ctx = SubgraphContext<PrismaClient, DataLoaders>;

const EVENT_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

export function requireEventName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !EVENT_NAME.test(value)) {
    throw badInput(
      `${field} must be 1-64 upper-case letters, digits or underscores, starting with a letter (got ${JSON.stringify(value)})`,
      field,
    );
  }
  return value;
}

export const dataResolvers: Resolvers<Ctx> = {
  DateTime,
  Account: {
    __resolveReference: (ref) => ({ id: ref.id }),
    events: async (account, args, ctx) => {
      const eventName = args.eventName ? requireEventName('eventName', args.eventName) : null;
      const events = await ctx.loaders.history.load(account.id);
      return eventName === null ? events : events.filter((e) => e.eventName === eventName);
    },
    eventCount: (account, _, ctx) => ctx.loaders.eventCount.load(account.id),
  },
  Mutation: {
    recordAccountEvent: (_, { input }, ctx) => {
      const data = {
        id: input.id ? requireId('input.id', input.id) : randomUUID(),
        accountId: requireId('input.accountId', input.accountId),
        eventName: requireEventName('input.eventName', input.eventName),
        ...(input.created ? { created: input.created } : {}),
      };
      // Idempotent receipt: a redelivered event id inserts nothing (INSERT … ON CONFLICT DO
      // NOTHING, no read before the write) and returns what is stored; so running it again
      // after an ambiguous commit is safe too (the id is decided above, before any attempt).
      return writeTransaction(
        ctx.db,
        async (tx) => {
          await tx.accountEvent.createMany({ data: [data], skipDuplicates: true });
          return tx.accountEvent.findUniqueOrThrow({ where: { id: data.id } });
        },
        { retry: ctx.retry, rerunnable: true, signed: ctx.signed },
      );
    },
  },
};
