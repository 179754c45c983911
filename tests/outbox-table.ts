/**
 * The one setup of the outbox's unit tests (subgraphs/account/outbox/store-*.int.test.ts and
 * relay-*.int.test.ts; kept in tests/, out of the build), against the real test PostgreSQL
 * (SERIALIZABLE). `useOutboxTable()`, called at a test file's top level, connects, empties
 * the outbox table before each test (the table is that file's alone while it runs: jest
 * runs the files one at a time), hands out account ids unique to each test, stops the
 * test's relays after it, and removes the file's rows at the end. The relay tests' in-test
 * data context (`recorder`) is here too: it records every delivery and can refuse chosen
 * rows (the data context saying no) or be unreachable, faults a unit test cannot easily
 * cause for real.
 */
import { randomBytes } from 'node:crypto';
import { PrismaClient } from '../generated/account/client';
import { connectDatabase } from '../subgraphs/kit/database';
import type { Deliver } from '../subgraphs/account/outbox/deliver';
import { OutboxRelay, type RelayEvents, type RelayOptions } from '../subgraphs/account/outbox/relay';
import type { OutboxRow } from '../subgraphs/account/outbox/store';

const RELAY_OPTS: RelayOptions = { pollMs: 50, batchSize: 50, leaseMs: 30_000, maxBackoffMs: 20 };

export function useOutboxTable() {
  const url = process.env.ACCOUNT_DATABASE_URL;
  if (!url) throw new Error('ACCOUNT_DATABASE_URL not set: run through jest (global-setup)');
  // The pool connects at the first query, inside a test.
  const db = connectDatabase(PrismaClient, url, 5);
  const prisma = db.prisma;
  const filePrefix = `ob-${randomBytes(4).toString('hex')}-`;
  let testNo = 0;
  const relays: OutboxRelay[] = [];
  beforeEach(async () => {
    await prisma.outboxEvent.deleteMany();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await prisma.outboxEvent.deleteMany({ where: { accountId: { startsWith: filePrefix } } });
    await prisma.account.deleteMany({ where: { id: { startsWith: filePrefix } } });
    await db.close();
  });
  return {
    prisma,
    /** Account ids unique to the calling test: `ob-<file hex>-<test no>-<n>`. */
    accounts(count: number): string[] {
      const t = ++testNo;
      return Array.from({ length: count }, (_, n) => `${filePrefix}${t}-${n}`);
    },
    /** A relay on this table (stopped after each test, so that a failed one leaves no loop running). */
    relay(deliver: Deliver, opts: Partial<RelayOptions> = {}, events?: RelayEvents): OutboxRelay {
      const r = new OutboxRelay(prisma, deliver, { ...RELAY_OPTS, ...opts }, events);
      relays.push(r);
      return r;
    },
    pending: () => prisma.outboxEvent.count({ where: { deliveredAt: null } }),
    /** `perAccount` rows for each account, seq 1.., written directly; occurred_at interleaves the accounts. */
    async insertPerAccount(accountIds: string[], perAccount: number): Promise<string[]> {
      const base = Date.UTC(2024, 0, 1);
      const data = Array.from({ length: perAccount }, (_, s) =>
        accountIds.map((accountId, a) => ({
          id: `${accountId}-e${s + 1}`,
          accountId,
          seq: BigInt(s + 1),
          eventName: s === 0 ? 'CREATED' : 'UPDATED',
          occurredAt: new Date(base + (s * accountIds.length + a) * 1000),
        })),
      ).flat();
      await prisma.outboxEvent.createMany({ data });
      return data.map((d) => d.id);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Call {
  relay: string;
  id: string;
  accountId: string;
  seq: number;
  ok: boolean;
}

/** What an unreachable data context looks like to the relay: the connection is refused. */
export const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

/**
 * A deliver function per relay id that records every call. `refuse(row)` true makes the
 * data context refuse that event (an event-scoped failure); `down()` true makes every
 * delivery fail as if the data context were unreachable (recorded with ok false, too).
 */
export function recorder(
  opts: { refuse?: (row: OutboxRow, attemptNo: number) => boolean; delay?: () => number; down?: () => boolean } = {},
) {
  const calls: Call[] = [];
  const deliverFor =
    (relay: string): Deliver =>
    async (row) => {
      const attemptNo = calls.filter((c) => c.id === row.id).length + 1;
      const ms = opts.delay?.() ?? 0;
      if (ms > 0) await sleep(ms);
      const down = opts.down?.() ?? false;
      const ok = !down && !opts.refuse?.(row, attemptNo);
      calls.push({ relay, id: row.id, accountId: row.accountId, seq: Number(row.seq), ok });
      if (down) throw connectionRefused();
      if (!ok) throw Object.assign(new Error(`data context refused ${row.id}`), { scope: 'event' });
    };
  const delivered = () => calls.filter((c) => c.ok);
  return { calls, delivered, deliverFor };
}

/** Successful deliveries grouped by account, in the order they happened. */
export function seqsByAccount(calls: Call[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of calls) out.set(c.accountId, [...(out.get(c.accountId) ?? []), c.seq]);
  return out;
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
