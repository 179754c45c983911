/**
 * The outbox relay (relay.ts) against the real test PostgreSQL (SERIALIZABLE), with an
 * in-test deliver function in place of the data context: it records every call and can
 * refuse chosen rows (the data context saying no, which a unit test cannot easily cause
 * for real). Covers drainOnce (ack on success, release with backoff on failure, per-account
 * seq order over rounds), two relays draining one outbox at once (each row delivered
 * exactly once), the background loop (poll, wake, stop) and backoffMs. The outbox table
 * is this file's alone while it runs: every test starts from an empty table and uses
 * account ids unique to itself.
 */
import { randomBytes } from 'node:crypto';
import { PrismaClient } from '../../../generated/account/client';
import { createLogger } from '../../../platform/logger';
import { connectDatabase, type Database } from '../../kit/database';
import { serializable } from '../../kit/retry';
import type { Deliver } from './deliver';
import { backoffMs, OutboxRelay, type RelayOptions } from './relay';
import { appendEvent, type OutboxRow } from './store';

const FILE_PREFIX = `ob-${randomBytes(4).toString('hex')}-`;
let testNo = 0;
let db: Database<PrismaClient>;
let prisma: PrismaClient;
const log = createLogger('outbox-relay-test', 'silent');
const OPTS: RelayOptions = { pollMs: 50, batchSize: 50, leaseMs: 30_000, maxBackoffMs: 20 };
const relays: OutboxRelay[] = [];

beforeAll(() => {
  const url = process.env.ACCOUNT_DATABASE_URL;
  if (!url) throw new Error('ACCOUNT_DATABASE_URL not set: run through jest (global-setup)');
  db = connectDatabase(PrismaClient, url, 5);
  prisma = db.prisma;
});
beforeEach(async () => {
  await prisma.outboxEvent.deleteMany();
});
afterEach(async () => {
  // A test that failed half-way must not leave a loop running into the next one.
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await prisma.outboxEvent.deleteMany({ where: { accountId: { startsWith: FILE_PREFIX } } });
  await prisma.account.deleteMany({ where: { id: { startsWith: FILE_PREFIX } } });
  await db.close();
});

/** Account ids unique to the calling test: `ob-<file hex>-<test no>-<n>`. */
function accounts(count: number): string[] {
  const t = ++testNo;
  return Array.from({ length: count }, (_, n) => `${FILE_PREFIX}${t}-${n}`);
}

/** `perAccount` rows for each account, seq 1.., written directly; occurred_at interleaves the accounts. */
async function insert(accountIds: string[], perAccount: number): Promise<string[]> {
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
}

/** Appends an event the way the resolvers do: in its own serializable transaction. */
const append = (accountId: string) => serializable(prisma, (tx) => appendEvent(tx, accountId, 'UPDATED', new Date()), { maxAttempts: 8 });

interface Call {
  relay: string;
  id: string;
  accountId: string;
  seq: number;
  ok: boolean;
}

/** A deliver function per relay id that records every call; `refuse(row)` true makes it throw. */
function recorder(opts: { refuse?: (row: OutboxRow, attemptNo: number) => boolean; delay?: () => number } = {}) {
  const calls: Call[] = [];
  const deliverFor =
    (relay: string): Deliver =>
    async (row) => {
      const attemptNo = calls.filter((c) => c.id === row.id).length + 1;
      const ms = opts.delay?.() ?? 0;
      if (ms > 0) await sleep(ms);
      const ok = !opts.refuse?.(row, attemptNo);
      calls.push({ relay, id: row.id, accountId: row.accountId, seq: Number(row.seq), ok });
      if (!ok) throw new Error(`data context refused ${row.id}`);
    };
  const delivered = () => calls.filter((c) => c.ok);
  return { calls, delivered, deliverFor };
}

function relay(deliver: Deliver, opts: Partial<RelayOptions> = {}): OutboxRelay {
  const r = new OutboxRelay(prisma, deliver, { ...OPTS, ...opts });
  relays.push(r);
  return r;
}

const pending = () => prisma.outboxEvent.count({ where: { deliveredAt: null } });

/** Successful deliveries grouped by account, in the order they happened. */
function seqsByAccount(calls: Call[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of calls) out.set(c.accountId, [...(out.get(c.accountId) ?? []), c.seq]);
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('drainOnce', () => {
  test('acks what was delivered and releases what was refused, with backoff', async () => {
    const accs = accounts(4);
    await insert(accs, 1);
    const refused = `${accs[1]}-e1`;
    const { calls, deliverFor } = recorder({ refuse: (row) => row.id === refused });
    const r = relay(deliverFor('r1'), { id: 'r1', maxBackoffMs: 60_000 });
    const result = await r.drainOnce();
    expect(result.claimed).toBe(4);
    expect(result.failed).toEqual([refused]);
    expect([...result.delivered].sort()).toEqual(accs.filter((_, i) => i !== 1).map((a) => `${a}-e1`).sort());
    expect(calls.map((c) => c.id).sort()).toEqual(accs.map((a) => `${a}-e1`).sort());
    expect(calls.every((c) => c.seq === 1 && c.relay === 'r1')).toBe(true);

    const rows = await prisma.outboxEvent.findMany({ orderBy: { occurredAt: 'asc' } });
    for (const row of rows) {
      if (row.id === refused) {
        expect(row).toMatchObject({ deliveredAt: null, attempts: 1, lastError: `data context refused ${refused}`, claimedBy: null, claimedUntil: null });
        // First failure: backoff within [0, 100 ms] after the failure, by the database's clock.
        const [{ ms }] = (await prisma.$queryRaw<{ ms: number }[]>`
          SELECT EXTRACT(EPOCH FROM (next_attempt_at - (now() AT TIME ZONE 'UTC'))) * 1000 AS ms FROM outbox WHERE id = ${refused}`) as [{ ms: number }];
        expect(Number(ms)).toBeLessThanOrEqual(100);
      } else {
        expect(row).toMatchObject({ attempts: 1, lastError: null, claimedBy: null, claimedUntil: null });
        expect(row.deliveredAt).toBeInstanceOf(Date);
      }
    }
    // An empty round claims nothing and calls nothing.
    await prisma.outboxEvent.deleteMany({ where: { id: refused } });
    expect(await r.drainOnce()).toEqual({ claimed: 0, delivered: [], failed: [] });
    expect(calls).toHaveLength(4);
  });

  test('over several rounds with refusals, each account’s rows go out in seq order, each delivered once', async () => {
    const accs = accounts(6);
    const ids = await insert(accs, 4);
    // Odd seqs are refused on their first attempt; every third row also on its second.
    const { calls, delivered, deliverFor } = recorder({
      refuse: (row, n) => (Number(row.seq) % 2 === 1 && n === 1) || (ids.indexOf(row.id) % 3 === 0 && n <= 2),
    });
    const r = relay(deliverFor('r1'), { batchSize: 4 });
    const deadline = Date.now() + 20_000;
    let rounds = 0;
    while ((await pending()) > 0) {
      if (Date.now() > deadline) throw new Error('outbox not drained in time');
      const { claimed } = await r.drainOnce();
      rounds++;
      if (claimed === 0) await sleep(10); // refused heads wait out their backoff
    }
    expect(rounds).toBeGreaterThan(4);
    expect(delivered().map((c) => c.id).sort()).toEqual([...ids].sort());
    for (const acc of accs) expect(seqsByAccount(delivered()).get(acc)).toEqual(range(4));
    // Not even an attempt ran ahead: every call for seq k came after seq k-1 was delivered.
    for (const [i, c] of calls.entries()) {
      if (c.seq > 1) expect(calls.slice(0, i).some((p) => p.ok && p.accountId === c.accountId && p.seq === c.seq - 1)).toBe(true);
    }
    const rows = await prisma.outboxEvent.findMany();
    for (const row of rows) expect(row.attempts).toBe(calls.filter((c) => c.id === row.id).length);
  });
});

describe('two relays at once', () => {
  test('every row is delivered exactly once, in seq order per account, and both relays take part', async () => {
    const accs = accounts(60);
    const ids = await insert(accs, 5);
    const { calls, delivered, deliverFor } = recorder({ delay: () => Math.floor(Math.random() * 6) });
    const errors: unknown[] = [];
    const deadline = Date.now() + 60_000;
    const drain = async (id: string) => {
      const r = relay(deliverFor(id), { id, batchSize: 10 });
      while (delivered().length < ids.length && Date.now() < deadline) {
        try {
          const { claimed } = await r.drainOnce();
          if (claimed === 0) await sleep(2);
        } catch (err) {
          errors.push(err);
        }
      }
    };
    await Promise.all([drain('relay-a'), drain('relay-b')]);
    // Relays racing at SERIALIZABLE make claim/ack fail with 40001 unless the store re-runs them.
    expect(errors).toEqual([]);
    expect(await pending()).toBe(0);
    expect(calls.every((c) => c.ok)).toBe(true);
    const seen = calls.map((c) => c.id);
    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen).size).toBe(ids.length);
    expect([...seen].sort()).toEqual([...ids].sort());
    for (const acc of accs) expect(seqsByAccount(calls).get(acc)).toEqual(range(5));
    const byRelay = (id: string) => calls.filter((c) => c.relay === id).length;
    expect(byRelay('relay-a')).toBeGreaterThan(0);
    expect(byRelay('relay-b')).toBeGreaterThan(0);
    expect((await prisma.outboxEvent.findMany()).every((r) => r.attempts === 1 && r.deliveredAt !== null && r.claimedBy === null)).toBe(true);
  });
});

describe('the loop', () => {
  test('delivers rows appended after it started, without anyone calling drainOnce', async () => {
    const accs = accounts(3);
    const { delivered, deliverFor } = recorder();
    relay(deliverFor('r1')).start(log);
    await sleep(100);
    const ids: string[] = [];
    for (const acc of accs) for (let i = 0; i < 2; i++) ids.push(await append(acc));
    await until(async () => ((await pending()) === 0 ? true : undefined));
    expect(delivered().map((c) => c.id).sort()).toEqual([...ids].sort());
    for (const acc of accs) expect(seqsByAccount(delivered()).get(acc)).toEqual([1, 2]);
  });

  test('retries a refused row in the background until it is delivered', async () => {
    const [a] = accounts(1) as [string];
    const { calls, deliverFor } = recorder({ refuse: (_, n) => n <= 2 });
    relay(deliverFor('r1')).start(log);
    const id = await append(a);
    const row = await until(async () => (await prisma.outboxEvent.findFirst({ where: { id, deliveredAt: { not: null } } })) ?? undefined);
    expect(row).toMatchObject({ attempts: 3, lastError: null });
    expect(calls.map((c) => c.ok)).toEqual([false, false, true]);
  });

  test('wake() makes a sleeping relay deliver at once', async () => {
    const [a, b] = accounts(2) as [string, string];
    const { delivered, deliverFor } = recorder();
    // A poll interval far beyond the deadline: only wake() can get the second row out in time.
    const r = relay(deliverFor('r1'), { pollMs: 600_000 });
    const first = await append(a);
    r.start(log);
    await until(async () => (delivered().some((c) => c.id === first) ? true : undefined));
    await sleep(200); // let it go back to sleep
    const second = await append(b);
    r.wake();
    await until(async () => (delivered().some((c) => c.id === second) ? true : undefined));
    expect(delivered().map((c) => c.id)).toEqual([first, second]);
  });

  test('stop() finishes the delivery in hand, then nothing more is delivered', async () => {
    const [a, b] = accounts(2) as [string, string];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inDelivery = new Promise<void>((r) => (entered = r));
    const calls: string[] = [];
    const r = relay(async (row) => {
      calls.push(row.id);
      entered();
      await gate;
    });
    r.start(log);
    const first = await append(a);
    r.wake();
    await inDelivery;
    let stopped = false;
    const stopping = r.stop().then(() => (stopped = true));
    await sleep(100);
    expect(stopped).toBe(false); // still waiting for the delivery in hand
    release();
    await stopping;
    expect((await prisma.outboxEvent.findUniqueOrThrow({ where: { id: first } })).deliveredAt).toBeInstanceOf(Date);

    await append(b);
    r.wake();
    await sleep(300); // several poll intervals of a relay that would still be running
    expect(calls).toEqual([first]);
    expect(await pending()).toBe(1);
  });
});

describe('backoffMs', () => {
  test('is a whole number within [0, min(cap, 100·2^(n−1))]', () => {
    const outside: string[] = [];
    for (const cap of [10, 250, 5_000, 3_600_000]) {
      for (let n = 0; n <= 30; n++) {
        // Attempt 0 (never passed by the relay) is bounded like attempt 1.
        const bound = Math.min(cap, 100 * 2 ** Math.max(0, n - 1));
        for (let i = 0; i < 200; i++) {
          const ms = backoffMs(n, cap);
          if (!Number.isInteger(ms) || ms < 0 || ms > bound) outside.push(`backoffMs(${n}, ${cap}) = ${ms}`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  test('actually jitters: not always the bound, not always zero', () => {
    const samples = Array.from({ length: 200 }, () => backoffMs(5, 5_000));
    expect(new Set(samples).size).toBeGreaterThan(1);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, for at most `ms`. */
async function until<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms`);
    await sleep(25);
  }
}
