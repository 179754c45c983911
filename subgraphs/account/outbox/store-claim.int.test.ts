/**
 * The relays' statements (store.ts) against the real test PostgreSQL (SERIALIZABLE):
 * claim (heads of accounts only, LIMIT, leases, next_attempt_at), ack and fail (only by
 * the lease holder), and status().
 */
import { ack, claim, fail, status } from './store';
import { eventually } from '../../../tests/harness/eventually';
import { useOutboxTable } from '../../../tests/outbox-table';

const { prisma, accounts } = useOutboxTable();
const MINUTE = 60_000;

const BASE = Date.UTC(2024, 0, 1);
let clock = 0;
/** Outbox rows written directly, oldest first in the order given (distinct occurred_at). */
async function insert(rows: { accountId: string; seq: number; eventName?: string }[]): Promise<string[]> {
  const data = rows.map((r) => ({
    id: `${r.accountId}-e${r.seq}`,
    accountId: r.accountId,
    seq: BigInt(r.seq),
    eventName: r.eventName ?? 'UPDATED',
    occurredAt: new Date(BASE + ++clock * 1000),
  }));
  await prisma.outboxEvent.createMany({ data });
  return data.map((d) => d.id);
}

const row = (id: string) => prisma.outboxEvent.findUniqueOrThrow({ where: { id } });
const dbNow = async () => (await prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS now`)[0]!.now;
const expireLeases = (ids: string[]) =>
  prisma.$executeRawUnsafe(
    `UPDATE outbox SET claimed_until = (now() AT TIME ZONE 'UTC') - INTERVAL '1 second' WHERE id = ANY($1)`,
    ids,
  );
const summary = (rows: { accountId: string; seq: bigint }[]) => rows.map((r) => `${r.accountId}#${r.seq}`);

describe('claim, ack and fail', () => {
  test('claims only the oldest undelivered row of each account; the next one after its ack, in seq order', async () => {
    const [a, b] = accounts(2) as [string, string];
    await insert([
      { accountId: a, seq: 1 },
      { accountId: b, seq: 1 },
      { accountId: a, seq: 2 },
      { accountId: a, seq: 3 },
    ]);
    const first = await claim(prisma, 'r1', 10, MINUTE);
    expect(summary(first)).toEqual([`${a}#1`, `${b}#1`]);
    expect(first[0]).toMatchObject({
      id: `${a}-e1`,
      eventName: 'UPDATED',
      attempts: 0,
      occurredAt: (await row(`${a}-e1`)).occurredAt,
    });
    // Nothing else is due while a#1 is undelivered, whoever asks.
    expect(await claim(prisma, 'r2', 10, MINUTE)).toEqual([]);
    expect(
      await ack(
        prisma,
        'r1',
        first.map((r) => r.id),
      ),
    ).toBe(2);
    const order: string[] = [];
    for (let round = 0; round < 5; round++) {
      const rows = await claim(prisma, 'r1', 10, MINUTE);
      if (rows.length === 0) break;
      expect(rows).toHaveLength(1);
      order.push(...summary(rows));
      expect(
        await ack(
          prisma,
          'r1',
          rows.map((r) => r.id),
        ),
      ).toBe(1);
    }
    expect(order).toEqual([`${a}#2`, `${a}#3`]);
    expect(await prisma.outboxEvent.count({ where: { deliveredAt: null } })).toBe(0);
    const acked = await row(`${a}-e3`);
    expect(acked).toMatchObject({ attempts: 1, claimedBy: null, claimedUntil: null, lastError: null });
    expect(acked.deliveredAt).toBeInstanceOf(Date);
  });

  test('respects the limit, oldest first', async () => {
    const accs = accounts(5);
    await insert(accs.map((accountId) => ({ accountId, seq: 1 })));
    expect(summary(await claim(prisma, 'r1', 2, MINUTE))).toEqual([`${accs[0]}#1`, `${accs[1]}#1`]);
    expect(summary(await claim(prisma, 'r1', 2, MINUTE))).toEqual([`${accs[2]}#1`, `${accs[3]}#1`]);
    expect(summary(await claim(prisma, 'r1', 2, MINUTE))).toEqual([`${accs[4]}#1`]);
    expect(await claim(prisma, 'r1', 2, MINUTE)).toEqual([]);
  });

  test('leaves rows leased by another relay alone until the lease has expired', async () => {
    const [a, b] = accounts(2) as [string, string];
    await insert([
      { accountId: a, seq: 1 },
      { accountId: b, seq: 1 },
    ]);
    const before = await dbNow();
    const mine = await claim(prisma, 'r1', 1, MINUTE);
    expect(summary(mine)).toEqual([`${a}#1`]);
    const leased = await row(`${a}-e1`);
    expect(leased.claimedBy).toBe('r1');
    expect(leased.claimedUntil!.getTime()).toBeGreaterThanOrEqual(before.getTime() + MINUTE - 1_000);
    // Another relay gets only what is free.
    expect(summary(await claim(prisma, 'r2', 10, MINUTE))).toEqual([`${b}#1`]);
    expect(await claim(prisma, 'r2', 10, MINUTE)).toEqual([]);
    await expireLeases([`${a}-e1`]);
    expect(summary(await claim(prisma, 'r2', 10, MINUTE))).toEqual([`${a}#1`]);
    expect((await row(`${a}-e1`)).claimedBy).toBe('r2');
  });

  test('a short lease runs out by itself', async () => {
    const [a] = accounts(1) as [string];
    await insert([{ accountId: a, seq: 1 }]);
    expect(await claim(prisma, 'r1', 10, 300)).toHaveLength(1);
    const taken = await eventually(async () => {
      const rows = await claim(prisma, 'r2', 10, MINUTE);
      return rows.length > 0 ? rows : undefined;
    });
    expect(summary(taken)).toEqual([`${a}#1`]);
  });

  test('skips rows whose next attempt is in the future', async () => {
    const [a, b] = accounts(2) as [string, string];
    await insert([
      { accountId: a, seq: 1 },
      { accountId: b, seq: 1 },
    ]);
    await prisma.$executeRawUnsafe(
      `UPDATE outbox SET next_attempt_at = (now() AT TIME ZONE 'UTC') + INTERVAL '1 minute' WHERE id = $1`,
      `${a}-e1`,
    );
    expect(summary(await claim(prisma, 'r1', 10, MINUTE))).toEqual([`${b}#1`]);
    await prisma.$executeRawUnsafe(
      `UPDATE outbox SET next_attempt_at = (now() AT TIME ZONE 'UTC') - INTERVAL '1 second' WHERE id = $1`,
      `${a}-e1`,
    );
    expect(summary(await claim(prisma, 'r1', 10, MINUTE))).toEqual([`${a}#1`]);
  });

  test('ack and fail by a relay that no longer holds the lease change nothing', async () => {
    const [a] = accounts(1) as [string];
    const [id] = (await insert([{ accountId: a, seq: 1 }])) as [string];
    await claim(prisma, 'r1', 10, MINUTE);
    await expireLeases([id]);
    await claim(prisma, 'r2', 10, MINUTE);
    const held = await row(id);
    expect(await ack(prisma, 'r1', [id])).toBe(0);
    expect(await fail(prisma, 'r1', id, 'late', 0)).toBe(0);
    expect(await ack(prisma, 'r3', [id])).toBe(0);
    expect(await row(id)).toEqual(held);
    expect(await ack(prisma, 'r2', [id])).toBe(1);
    // Once delivered, a second ack (even by the former holder) is a no-op.
    const delivered = await row(id);
    expect(await ack(prisma, 'r2', [id])).toBe(0);
    expect(await ack(prisma, 'r2', [])).toBe(0);
    expect(await row(id)).toEqual(delivered);
  });

  test('fail counts the attempt, keeps the error and pushes the next attempt back', async () => {
    const [a] = accounts(1) as [string];
    const [id] = (await insert([{ accountId: a, seq: 1 }])) as [string];
    await claim(prisma, 'r1', 10, MINUTE);
    const before = await dbNow();
    expect(await fail(prisma, 'r1', id, 'data context said no', MINUTE)).toBe(1);
    const failed = await row(id);
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: 'data context said no',
      claimedBy: null,
      claimedUntil: null,
      deliveredAt: null,
    });
    expect(failed.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before.getTime() + MINUTE - 1_000);
    expect(await claim(prisma, 'r1', 10, MINUTE)).toEqual([]);
    // Due again: claimed with its attempt count; a second failure counts again and truncates long errors.
    await prisma.$executeRawUnsafe(
      `UPDATE outbox SET next_attempt_at = (now() AT TIME ZONE 'UTC') - INTERVAL '1 second' WHERE id = $1`,
      id,
    );
    const [again] = await claim(prisma, 'r1', 10, MINUTE);
    expect(again).toMatchObject({ id, attempts: 1 });
    expect(await fail(prisma, 'r1', id, 'x'.repeat(5_000), 0)).toBe(1);
    expect(await row(id)).toMatchObject({ attempts: 2, lastError: 'x'.repeat(2_000) });
    // A success clears the error.
    await claim(prisma, 'r1', 10, MINUTE);
    expect(await ack(prisma, 'r1', [id])).toBe(1);
    expect(await row(id)).toMatchObject({ attempts: 3, lastError: null });
  });

  test('a failing head holds back its own account’s later rows, never other accounts', async () => {
    const [a, b] = accounts(2) as [string, string];
    await insert([
      { accountId: a, seq: 1 },
      { accountId: a, seq: 2 },
      { accountId: b, seq: 1 },
    ]);
    expect(summary(await claim(prisma, 'r1', 10, MINUTE))).toEqual([`${a}#1`, `${b}#1`]);
    expect(await fail(prisma, 'r1', `${a}-e1`, 'refused', MINUTE)).toBe(1);
    expect(await ack(prisma, 'r1', [`${b}-e1`])).toBe(1);
    await insert([{ accountId: b, seq: 2 }]);
    expect(summary(await claim(prisma, 'r1', 10, MINUTE))).toEqual([`${b}#2`]);
    expect(await claim(prisma, 'r2', 10, MINUTE)).toEqual([]);
    await prisma.$executeRawUnsafe(
      `UPDATE outbox SET next_attempt_at = (now() AT TIME ZONE 'UTC') - INTERVAL '1 second' WHERE id = $1`,
      `${a}-e1`,
    );
    expect(summary(await claim(prisma, 'r2', 10, MINUTE))).toEqual([`${a}#1`]);
    expect(await ack(prisma, 'r2', [`${a}-e1`])).toBe(1);
    expect(summary(await claim(prisma, 'r2', 10, MINUTE))).toEqual([`${a}#2`]);
  });
});

describe('status', () => {
  test('an empty outbox', async () => {
    expect(await status(prisma)).toEqual({
      pending: 0,
      failing: 0,
      oldestPendingAgeMs: null,
      maxAttempts: 0,
      oldest: [],
    });
  });

  test('counts pending and failing rows and lists the oldest pending ones', async () => {
    const [a, b, c] = accounts(3) as [string, string, string];
    await insert([
      { accountId: a, seq: 1, eventName: 'CREATED' },
      { accountId: b, seq: 1, eventName: 'CREATED' },
      { accountId: a, seq: 2 },
      { accountId: c, seq: 1, eventName: 'CREATED' },
    ]);
    await claim(prisma, 'r1', 10, MINUTE); // a#1, b#1, c#1
    await ack(prisma, 'r1', [`${b}-e1`]);
    await fail(prisma, 'r1', `${a}-e1`, 'refused', MINUTE);
    const s = await status(prisma, 2);
    expect(s).toMatchObject({ pending: 3, failing: 1, maxAttempts: 1 });
    // The oldest pending row (a#1) was written 2024-01-01, long before now.
    expect(s.oldestPendingAgeMs).not.toBeNull();
    expect(s.oldestPendingAgeMs!).toBeGreaterThan(Date.now() - (await row(`${a}-e1`)).occurredAt.getTime() - MINUTE);
    expect(s.oldest).toEqual([
      {
        id: `${a}-e1`,
        accountId: a,
        seq: '1',
        eventName: 'CREATED',
        occurredAt: (await row(`${a}-e1`)).occurredAt.toISOString(),
        attempts: 1,
        lastError: 'refused',
        claimedBy: null,
      },
      expect.objectContaining({
        id: `${a}-e2`,
        accountId: a,
        seq: '2',
        eventName: 'UPDATED',
        attempts: 0,
        lastError: null,
        claimedBy: null,
      }),
    ]);
    expect((await status(prisma)).oldest.map((o) => o.id)).toEqual([`${a}-e1`, `${a}-e2`, `${c}-e1`]);
    expect((await status(prisma)).oldest[2]).toMatchObject({ claimedBy: 'r1' });
    expect((await status(prisma, 0)).oldest).toEqual([]);
  });
});
