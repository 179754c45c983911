/**
 * The outbox table's operations. Appends run inside the caller's transaction; claim, ack
 * and fail are single statements that several relays may run at once:
 * - claim takes, per account, only the oldest undelivered row (so one account's events
 *   are delivered in order), skips rows another relay holds (FOR UPDATE SKIP LOCKED, and a
 *   lease in `claimed_until`), and leases what it takes to this relay;
 * - ack and fail apply only while this relay still holds the lease.
 * claim runs at READ COMMITTED (see there); ack and fail at the database's SERIALIZABLE,
 * where two relays' statements can still fail each other with SQLSTATE 40001. Each of the
 * three is a single statement that did everything or nothing, so it is simply re-run.
 * All times are the database's, in UTC, so relays on several hosts agree on leases.
 * Everything here is SQL that PostgreSQL and CockroachDB both accept, but the claim's index
 * hint, sent on CockroachDB only (claimStatement).
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '../../../generated/account/client';
import { dialectOf, followerRead, tableWithIndex, type Dialect } from '../../kit/dialect';
import type { RetryOptions } from '../../../platform/retry';
import { retryConflicts } from '../../kit/transaction';

export type Tx = Prisma.TransactionClient;

export interface OutboxRow {
  id: string;
  accountId: string;
  seq: bigint;
  eventName: string;
  occurredAt: Date;
  attempts: number;
}

interface RawRow {
  id: string;
  account_id: string;
  seq: bigint | number | string;
  event_name: string;
  occurred_at: Date | string;
  attempts: number;
}

const NOW = Prisma.sql`(now() AT TIME ZONE 'UTC')`;
const millis = (ms: number) => Prisma.sql`(${ms}::FLOAT8 * INTERVAL '1 millisecond')`;

/** For claim, ack and fail: one statement each, re-run on a serialization failure. */
const STATEMENT_RETRY: RetryOptions = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 100 };

const toRow = (r: RawRow): OutboxRow => ({
  id: r.id,
  accountId: r.account_id,
  seq: BigInt(r.seq),
  eventName: r.event_name,
  occurredAt: r.occurred_at instanceof Date ? r.occurred_at : new Date(`${r.occurred_at}Z`),
  attempts: Number(r.attempts),
});

/**
 * Records an event of `accountId` in the caller's transaction, after the account's last one.
 * The caller holds the account's row lock (or created the account in this transaction), so
 * no other transaction appends to this account meanwhile and `seq` follows commit order.
 * `first`: the account was created in this very transaction, so it has no earlier event and
 * the outbox is not read at all (no predicate read for concurrent creates to conflict on).
 * `id`: the event id, when the caller decided it before its retry loop (an ambiguous commit
 * is then resolved by looking the row up; transaction.ts).
 */
export async function appendEvent(
  tx: Tx,
  accountId: string,
  eventName: string,
  occurredAt: Date,
  opts: { first?: boolean; id?: string } = {},
): Promise<string> {
  const last = opts.first
    ? null
    : (await tx.outboxEvent.aggregate({ where: { accountId }, _max: { seq: true } }))._max.seq;
  const id = opts.id ?? randomUUID();
  await tx.outboxEvent.create({ data: { id, accountId, seq: (last ?? 0n) + 1n, eventName, occurredAt } });
  return id;
}

/**
 * The claim statement (claim runs it; tests EXPLAIN it). The ORDER BY is exactly the partial
 * index outbox_claim_idx (next_attempt_at, occurred_at, account_id, seq WHERE delivered_at IS
 * NULL), so the rows come in order from the index, below the lock: CockroachDB then locks only
 * what the LIMIT keeps. With an order no index gives it sorts above the lock and locks the
 * whole backlog (cockroachdb/cockroach#143017), and a second relay skips nearly everything.
 * Even with the index CockroachDB's optimizer may cost a full scan plus top-k lower and lock
 * the whole due backlog (cockroachdb/cockroach#173245), so on CockroachDB the scan is forced
 * onto the index by construction (`outbox@outbox_claim_idx`, dialect.ts tableWithIndex).
 * Per-account order does not depend on it: only an account's oldest undelivered row is due.
 */
export function claimStatement(
  relayId: string,
  limit: number,
  leaseMs: number,
  dialect: Dialect = 'postgresql',
): Prisma.Sql {
  const claimed = Prisma.raw(tableWithIndex(dialect, 'outbox', 'outbox_claim_idx'));
  // The picked rows are a MATERIALIZED CTE, evaluated once: as an `id IN (subquery)` the
  // planner may re-run the LIMITed, SKIP LOCKED subquery per outer row (PostgreSQL chose a
  // nested loop with a table of a few rows) and lease more rows than asked for.
  return Prisma.sql`
    WITH picked AS MATERIALIZED (
       SELECT o.id FROM ${claimed} AS o
        WHERE o.delivered_at IS NULL
          AND o.next_attempt_at <= ${NOW}
          AND (o.claimed_until IS NULL OR o.claimed_until < ${NOW})
          AND NOT EXISTS (
            SELECT 1 FROM outbox p WHERE p.account_id = o.account_id AND p.delivered_at IS NULL AND p.seq < o.seq)
        ORDER BY o.next_attempt_at, o.occurred_at, o.account_id, o.seq
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
    UPDATE outbox SET claimed_by = ${relayId}, claimed_until = ${NOW} + ${millis(leaseMs)}
      FROM picked WHERE outbox.id = picked.id
    RETURNING outbox.id, outbox.account_id, outbox.seq, outbox.event_name, outbox.occurred_at, outbox.attempts`;
}

export async function claim(db: PrismaClient, relayId: string, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  // READ COMMITTED, the isolation SKIP LOCKED is made for: a row another relay claimed or
  // acked since this statement's snapshot is re-checked against its newest version (and
  // dropped) instead of failing the whole claim with 40001, which at SERIALIZABLE happens
  // to nearly every claim racing another relay's. Where READ COMMITTED is not enabled
  // (CockroachDB's cluster setting sql.txn.read_committed_isolation.enabled), the
  // transaction runs SERIALIZABLE and is re-run (readCommittedAvailable warns at start-up).
  // (The interactive form: Prisma's batch form, $transaction([...]), ignores isolationLevel.)
  const statement = claimStatement(relayId, limit, leaseMs, dialectOf(db));
  const rows = await retryConflicts(
    () => db.$transaction((tx) => tx.$queryRaw<RawRow[]>(statement), { isolationLevel: 'ReadCommitted' }),
    STATEMENT_RETRY,
  );
  return rows.map(toRow).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/**
 * The isolation a claim transaction actually gets. CockroachDB runs a transaction that asks
 * for READ COMMITTED at SERIALIZABLE unless the cluster setting
 * sql.txn.read_committed_isolation.enabled is on (deploy/sql/cluster.sql turns it on), and
 * says so only in a notice; SHOW inside the transaction tells. Needs no admin privilege.
 */
export async function claimIsolation(db: PrismaClient): Promise<string> {
  const [row] = await db.$transaction(
    (tx) => tx.$queryRaw<{ transaction_isolation: string }[]>`SHOW transaction_isolation`,
    {
      isolationLevel: 'ReadCommitted',
    },
  );
  return (row?.transaction_isolation ?? 'unknown').toLowerCase();
}

/** What a relay logs at start-up when claims will not run at READ COMMITTED (undefined: they will). */
export function claimIsolationWarning(isolation: string): string | undefined {
  if (isolation === 'read committed') return undefined;
  return (
    `outbox claims run at ${isolation.toUpperCase()}, not READ COMMITTED (CockroachDB: SET CLUSTER SETTING ` +
    `sql.txn.read_committed_isolation.enabled = true): relays racing for the same rows fail each other's ` +
    `claims with 40001 and retry, so several relays deliver more slowly; nothing is lost or delivered twice`
  );
}

/** Marks rows delivered (the data context acknowledged them); returns how many this relay still held. */
export async function ack(db: PrismaClient, relayId: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return retryConflicts(
    () => db.$executeRaw`
    UPDATE outbox SET delivered_at = ${NOW}, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL, last_error = NULL
     WHERE id IN (${Prisma.join(ids)}) AND claimed_by = ${relayId} AND delivered_at IS NULL`,
    STATEMENT_RETRY,
  );
}

/** Releases a row whose delivery failed, to be tried again after `retryInMs`. */
export async function fail(
  db: PrismaClient,
  relayId: string,
  id: string,
  error: string,
  retryInMs: number,
): Promise<number> {
  return retryConflicts(
    () => db.$executeRaw`
    UPDATE outbox SET attempts = attempts + 1, last_error = ${error.slice(0, 2_000)}, next_attempt_at = ${NOW} + ${millis(retryInMs)},
                      claimed_by = NULL, claimed_until = NULL
     WHERE id = ${id} AND claimed_by = ${relayId} AND delivered_at IS NULL`,
    STATEMENT_RETRY,
  );
}

export interface OutboxStatus {
  pending: number;
  /** Pending rows whose last delivery attempt failed. */
  failing: number;
  oldestPendingAgeMs: number | null;
  maxAttempts: number;
  /** The oldest pending rows, for a person to read. */
  oldest: {
    id: string;
    accountId: string;
    seq: string;
    eventName: string;
    occurredAt: string;
    attempts: number;
    lastError: string | null;
    claimedBy: string | null;
  }[];
}

/**
 * Counts and the oldest pending rows, for people and the pending-events gauge. On CockroachDB a
 * follower read (kit/dialect.ts): a few seconds stale, served by the nearest replica, and no
 * contention with the relays' claims on the leaseholder.
 */
export async function status(db: PrismaClient, show = 10): Promise<OutboxStatus> {
  const [summary, rows] = await followerRead(
    db as Tx,
    async (tx) =>
      [
        (
          await tx.$queryRaw<
            { pending: bigint; failing: bigint; oldest: Date | null; max_attempts: number | null; now: Date }[]
          >`
        SELECT count(*) AS pending, count(last_error) AS failing, min(occurred_at) AS oldest,
               max(attempts) AS max_attempts, ${NOW} AS now
          FROM outbox WHERE delivered_at IS NULL`
        )[0],
        await tx.outboxEvent.findMany({
          where: { deliveredAt: null },
          orderBy: [{ occurredAt: 'asc' }, { seq: 'asc' }],
          take: show,
        }),
      ] as const,
  );
  return {
    pending: Number(summary?.pending ?? 0),
    failing: Number(summary?.failing ?? 0),
    oldestPendingAgeMs: summary?.oldest ? new Date(summary.now).getTime() - new Date(summary.oldest).getTime() : null,
    maxAttempts: Number(summary?.max_attempts ?? 0),
    oldest: rows.map((r) => ({
      id: r.id,
      accountId: r.accountId,
      seq: r.seq.toString(),
      eventName: r.eventName,
      occurredAt: r.occurredAt.toISOString(),
      attempts: r.attempts,
      lastError: r.lastError,
      claimedBy: r.claimedBy,
    })),
  };
}

/**
 * The account's undelivered events, oldest first, read in the writing transaction after its
 * append (the caller holds the account's row lock, so the list is exact up to its own row):
 * what the eager path (eager.ts) delivers before the write answers.
 */
export async function undeliveredOf(tx: Tx, accountId: string): Promise<OutboxRow[]> {
  const rows = await tx.outboxEvent.findMany({ where: { accountId, deliveredAt: null }, orderBy: { seq: 'asc' } });
  return rows.map((r) => ({
    id: r.id,
    accountId: r.accountId,
    seq: r.seq,
    eventName: r.eventName,
    occurredAt: r.occurredAt,
    attempts: r.attempts,
  }));
}

/**
 * Marks one row delivered after the eager path's delivery was acknowledged, whichever relay
 * holds a lease on it (that relay's own ack or fail then changes nothing: delivered_at is set).
 */
export async function markDelivered(db: PrismaClient, id: string): Promise<number> {
  return retryConflicts(
    () => db.$executeRaw`
    UPDATE outbox SET delivered_at = ${NOW}, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL, last_error = NULL
     WHERE id = ${id} AND delivered_at IS NULL`,
    STATEMENT_RETRY,
  );
}
