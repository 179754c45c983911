/**
 * The account context's writes: create and rename, each with its outbox event in the same
 * transaction (the data context receives it through the relay), an optional Idempotency-Key
 * stored with the write, and every id decided before the retry loop so that an ambiguous
 * commit is resolved by reading the row back (kit/transaction.ts), never by writing again.
 * A rename first locks the account's row: concurrent renames of one account queue on that
 * lock (and take the next outbox `seq` in commit order) instead of aborting each other.
 * A save (the REST shim's PUT, P13's gorm `Save`) renames the account, or creates it under
 * the given id when there is none.
 */
import { randomUUID } from 'node:crypto';
import { notFound } from '../../platform/errors';
import type { Account, PrismaClient } from '../../generated/account/client';
import { claimKey, keyedRequest, storeResult, type KeyedRequest } from '../kit/idempotency';
import type { RetryOptions } from '../../platform/retry';
import { writeTransaction, type WriteOptions } from '../kit/transaction';
import { appendEvent, undeliveredOf, type OutboxRow, type Tx } from './outbox/store';

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
  /**
   * The account's events not yet delivered when this write committed, its own last (read
   * under the row lock): what the write delivers before answering (outbox/eager.ts). Empty
   * for a replay and for a write settled by a lookup (the relay delivers those).
   */
  pending: OutboxRow[];
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

type Written = Omit<WriteResult, 'replayed'>;

const toStored = (r: Written): StoredWrite =>
  JSON.parse(JSON.stringify({ account: r.account, event: r.event })) as StoredWrite;

const fromStored = (s: StoredWrite): WriteResult => ({
  account: revive<Account>(s.account, ACCOUNT_DATES),
  event: revive<WriteResult['event']>(s.event, EVENT_DATES),
  replayed: true,
  pending: [],
});

/** A new account's CREATED event: its only one, so nothing to read back to know what is pending. */
const created = (account: Account, eventId: string): Written => ({
  account,
  event: { id: eventId, eventName: 'CREATED', occurredAt: account.createdAt },
  pending: [
    { id: eventId, accountId: account.id, seq: 1n, eventName: 'CREATED', occurredAt: account.createdAt, attempts: 0 },
  ],
});

/** Runs `write` with the key claimed first and the result stored last, when there is a key. */
async function keyed(tx: Tx, key: KeyedRequest | undefined, write: () => Promise<Written>): Promise<WriteResult> {
  if (key) {
    const prior = await claimKey<StoredWrite>(tx, key);
    if (prior) return fromStored(prior.replay);
  }
  const result = await write();
  if (key) await storeResult(tx, key.key, toStored(result));
  return { ...result, replayed: false };
}

/**
 * One write as every account write runs: its Idempotency-Key claimed first and its result
 * stored last (`keyed`), in one write transaction with the request's retries and signature
 * nonce, settled by `lookup` when its COMMIT is ambiguous.
 */
function keyedWrite(
  db: PrismaClient,
  req: WriteRequest,
  operation: string,
  args: Record<string, unknown>,
  write: (tx: Tx) => Promise<Written>,
  lookup: () => Promise<WriteResult | null>,
): Promise<WriteResult> {
  const key = keyedRequest(req.idempotencyKey, operation, args, req.idempotencyTtlHours);
  return writeTransaction(db, (tx) => keyed(tx, key, () => write(tx)), {
    retry: req.retry,
    onRetry: req.onRetry,
    signed: req.signed,
    lookup,
  });
}

export async function createAccount(db: PrismaClient, name: string, req: WriteRequest): Promise<WriteResult> {
  // Decided before the retry loop: a re-run after an ambiguous commit reuses them.
  const id = randomUUID();
  const eventId = randomUUID();
  return keyedWrite(
    db,
    req,
    'createAccount',
    { name },
    async (tx) => {
      const account = await tx.account.create({ data: { id, name } });
      await appendEvent(tx, id, 'CREATED', account.createdAt, { first: true, id: eventId });
      return created(account, eventId);
    },
    async () => {
      const account = await db.account.findUnique({ where: { id } });
      return (
        account && {
          account,
          event: { id: eventId, eventName: 'CREATED', occurredAt: account.createdAt },
          replayed: false,
          pending: [],
        }
      );
    },
  );
}

/**
 * Locks the account's row, renames it and records the UPDATED event; undefined when there
 * is no such account. The row lock first: renames of one account queue here, in the order
 * they will commit.
 */
async function renameLocked(tx: Tx, id: string, name: string, eventId: string): Promise<Written | undefined> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM accounts WHERE id = ${id} FOR UPDATE`;
  if (locked.length === 0) return undefined;
  const occurredAt = new Date(); // taken under the lock: in commit order on this process's clock
  const account = await tx.account.update({ where: { id }, data: { name } });
  await appendEvent(tx, id, 'UPDATED', occurredAt, { id: eventId });
  return { account, event: { id: eventId, eventName: 'UPDATED', occurredAt }, pending: await undeliveredOf(tx, id) };
}

/**
 * An ambiguous rename or save, read back by its event id: null if it did not commit. If it
 * did, the row may have been renamed again since: the answer is what this write did.
 */
async function lookupByEvent(db: PrismaClient, id: string, name: string, eventId: string): Promise<WriteResult | null> {
  const event = await db.outboxEvent.findUnique({ where: { id: eventId } });
  if (!event) return null;
  const account = await db.account.findUniqueOrThrow({ where: { id } });
  return {
    account: { ...account, name },
    event: { id: eventId, eventName: event.eventName, occurredAt: event.occurredAt },
    replayed: false,
    pending: [],
  };
}

export async function renameAccount(
  db: PrismaClient,
  id: string,
  name: string,
  req: WriteRequest,
): Promise<WriteResult> {
  const eventId = randomUUID();
  return keyedWrite(
    db,
    req,
    'renameAccount',
    { id, name },
    async (tx) => {
      const renamed = await renameLocked(tx, id, name, eventId);
      if (!renamed) throw notFound('Account', id);
      return renamed;
    },
    () => lookupByEvent(db, id, name, eventId),
  );
}

/**
 * Renames the account, or creates it under `id` when there is none (UPDATED or CREATED
 * event). The insert comes first with ON CONFLICT DO NOTHING: two saves of one new id
 * queue on the key (the second waits for the first to commit, then finds the row) instead
 * of one failing with a unique violation; an existing row is then locked as a rename does.
 * On CockroachDB the first insert's write intent is "a combination of a provisional value and
 * an exclusive lock" that the second waits on
 * ([transaction layer](https://www.cockroachlabs.com/docs/stable/architecture/transaction-layer));
 * at READ COMMITTED, where writes run, a conflict it cannot wait out is a 40001, which
 * kit/transaction.ts runs again.
 */
export async function saveAccount(db: PrismaClient, id: string, name: string, req: WriteRequest): Promise<WriteResult> {
  const eventId = randomUUID();
  return keyedWrite(
    db,
    req,
    'saveAccount',
    { id, name },
    async (tx) => {
      // createMany with skipDuplicates: INSERT … ON CONFLICT DO NOTHING, the count says whether it inserted.
      const inserted = await tx.account.createMany({ data: [{ id, name }], skipDuplicates: true });
      if (inserted.count > 0) {
        const account = await tx.account.findUniqueOrThrow({ where: { id } });
        await appendEvent(tx, id, 'CREATED', account.createdAt, { first: true, id: eventId });
        return created(account, eventId);
      }
      // The insert found the row (committed, or committed by the save it waited for).
      return (await renameLocked(tx, id, name, eventId))!;
    },
    () => lookupByEvent(db, id, name, eventId),
  );
}
