/**
 * The account context's writes: create and rename, each with its outbox event in the same
 * transaction (the data context receives it through the relay), an optional Idempotency-Key
 * stored with the write, and every id decided before the retry loop so that an ambiguous
 * commit is resolved by reading the row back (kit/transaction.ts), never by writing again.
 * A rename first locks the account's row: concurrent renames of one account queue on that
 * lock (and take the next outbox `seq` in commit order) instead of aborting each other.
 */
import { randomUUID } from 'node:crypto';
import { notFound } from '../../platform/errors';
import type { Account, PrismaClient } from '../../generated/account/client';
import { claimKey, keyedRequest, storeResult, type KeyedRequest } from '../kit/idempotency';
import type { RetryOptions } from '../../platform/retry';
import { writeTransaction, type WriteOptions } from '../kit/transaction';
import { appendEvent, type Tx } from './outbox/store';

export interface WriteRequest {
  /** The client's Idempotency-Key, if it sent one. */
  idempotencyKey?: string;
  idempotencyTtlHours: number;
  retry: RetryOptions;
  /** For tests and logs: see WriteOptions.onRetry. */
  onRetry?: WriteOptions<unknown>['onRetry'];
  /** The signed request's nonce, recorded with the write: see WriteOptions.signed. */
  signed?: WriteOptions<unknown>['signed'];
}

export interface WriteResult {
  account: Account;
  /** The event this write recorded in the outbox (its id is the event's id in the data context). */
  event: { id: string; eventName: string; occurredAt: Date };
  /** The stored result of an earlier request with the same key was returned; nothing was written. */
  replayed: boolean;
}

/** A row as the key's JSON holds it: its dates as ISO strings, every other field as it is. */
type Stored<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
/** The fields of T that hold a date. */
type DateFields<T> = { [K in keyof T]-?: Date extends T[K] ? K : never }[keyof T];

/** The JSON a key stores: what a repeat of the request needs to answer the same. */
interface StoredWrite {
  account: Stored<Account>;
  event: Stored<WriteResult['event']>;
}

/**
 * Which fields to turn back into dates. Typed by the model: a date field added to `Account`
 * and not here fails the type check; any other field is stored and replayed as it is.
 */
const ACCOUNT_DATES = { createdAt: true } satisfies Record<DateFields<Account>, true>;
const EVENT_DATES = { occurredAt: true } satisfies Record<DateFields<WriteResult['event']>, true>;

function revive<T>(stored: Stored<T>, dates: Record<DateFields<T>, true>): T {
  const out: Record<string, unknown> = { ...stored };
  for (const field of Object.keys(dates)) if (out[field] != null) out[field] = new Date(out[field] as string);
  return out as T;
}

const toStored = (r: Omit<WriteResult, 'replayed'>): StoredWrite =>
  JSON.parse(JSON.stringify({ account: r.account, event: r.event })) as StoredWrite;

const fromStored = (s: StoredWrite): WriteResult => ({
  account: revive<Account>(s.account, ACCOUNT_DATES),
  event: revive<WriteResult['event']>(s.event, EVENT_DATES),
  replayed: true,
});

/** Runs `write` with the key claimed first and the result stored last, when there is a key. */
async function keyed(
  tx: Tx,
  key: KeyedRequest | undefined,
  write: () => Promise<Omit<WriteResult, 'replayed'>>,
): Promise<WriteResult> {
  if (key) {
    const prior = await claimKey<StoredWrite>(tx, key);
    if (prior) return fromStored(prior.replay);
  }
  const result = await write();
  if (key) await storeResult(tx, key.key, toStored(result));
  return { ...result, replayed: false };
}

export async function createAccount(db: PrismaClient, name: string, req: WriteRequest): Promise<WriteResult> {
  const key = keyedRequest(req.idempotencyKey, 'createAccount', { name }, req.idempotencyTtlHours);
  // Decided before the retry loop: a re-run after an ambiguous commit reuses them.
  const id = randomUUID();
  const eventId = randomUUID();
  return writeTransaction(
    db,
    (tx) =>
      keyed(tx, key, async () => {
        const account = await tx.account.create({ data: { id, name } });
        await appendEvent(tx, id, 'CREATED', account.createdAt, { first: true, id: eventId });
        return { account, event: { id: eventId, eventName: 'CREATED', occurredAt: account.createdAt } };
      }),
    {
      retry: req.retry,
      onRetry: req.onRetry,
      signed: req.signed,
      lookup: async () => {
        const account = await db.account.findUnique({ where: { id } });
        return (
          account && {
            account,
            event: { id: eventId, eventName: 'CREATED', occurredAt: account.createdAt },
            replayed: false,
          }
        );
      },
    },
  );
}

export async function renameAccount(
  db: PrismaClient,
  id: string,
  name: string,
  req: WriteRequest,
): Promise<WriteResult> {
  const key = keyedRequest(req.idempotencyKey, 'renameAccount', { id, name }, req.idempotencyTtlHours);
  const eventId = randomUUID();
  return writeTransaction(
    db,
    (tx) =>
      keyed(tx, key, async () => {
        // The row lock first: renames of one account queue here, in the order they will commit.
        const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM accounts WHERE id = ${id} FOR UPDATE`;
        if (locked.length === 0) throw notFound('Account', id);
        const occurredAt = new Date(); // taken under the lock: in commit order on this process's clock
        const account = await tx.account.update({ where: { id }, data: { name } });
        await appendEvent(tx, id, 'UPDATED', occurredAt, { id: eventId });
        return { account, event: { id: eventId, eventName: 'UPDATED', occurredAt } };
      }),
    {
      retry: req.retry,
      onRetry: req.onRetry,
      signed: req.signed,
      lookup: async () => {
        const event = await db.outboxEvent.findUnique({ where: { id: eventId } });
        if (!event) return null;
        const account = await db.account.findUniqueOrThrow({ where: { id } });
        // The rename committed; the row may have been renamed again since: answer what this write did.
        return {
          account: { ...account, name },
          event: { id: eventId, eventName: 'UPDATED', occurredAt: event.occurredAt },
          replayed: false,
        };
      },
    },
  );
}
