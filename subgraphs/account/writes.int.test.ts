/**
 * The account context's writes (writes.ts on kit/transaction.ts) against the real test
 * PostgreSQL, with CockroachDB's failures injected where one PostgreSQL cannot produce them
 * (tests/harness/faulty-pool.ts): 40001 at COMMIT, 40003 after a real COMMIT, the connection
 * lost after or before the COMMIT, a backend really terminated (57P01) before it. Each ends
 * with exactly one row and one outbox event, never a second account or a doubled event. Then
 * hot rows: 50 concurrent renames of one account all succeed, in commit order.
 */
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/account/client';
import { ErrorCode } from '../../platform/errors';
import { adminUrl } from '../../tests/harness/db';
import { FaultyPool, type Fault } from '../../tests/harness/faulty-pool';
import type { DbErrorKind } from '../kit/db-errors';
import { createAccount, renameAccount, type WriteRequest } from './writes';

const url = process.env.ACCOUNT_DATABASE_URL!;
const pool = new FaultyPool({ connectionString: url, max: 10 }, adminUrl('account'));
const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
const prefix = `wr-${randomBytes(4).toString('hex')}-`;
let n = 0;
const uniqueName = () => `${prefix}${++n}`;

/** The rename's lookup: the outbox row by the event id it decided (not the seq read inside the transaction). */
const LOOKUP_BY_EVENT_ID = /FROM "public"\."outbox" WHERE \("public"\."outbox"\."id" = \$1/;

afterEach(() => expect(pool.disarm()).toBe(0)); // every injected fault really fired
afterAll(async () => {
  const ids = (await prisma.account.findMany({ where: { name: { startsWith: prefix } }, select: { id: true } })).map(
    (a) => a.id,
  );
  await prisma.outboxEvent.deleteMany({ where: { accountId: { in: ids } } });
  await prisma.account.deleteMany({ where: { id: { in: ids } } });
  await prisma.$executeRawUnsafe(`DELETE FROM idempotency_keys WHERE key LIKE '${prefix}%'`);
  await prisma.$disconnect();
  await pool.end(); // an external pool: Prisma leaves it open
});

function request(extra: Partial<WriteRequest> = {}): WriteRequest & { retries: DbErrorKind[] } {
  const retries: DbErrorKind[] = [];
  return {
    retry: { maxAttempts: 6, baseDelayMs: 1 },
    idempotencyTtlHours: 24,
    onRetry: (_, kind) => retries.push(kind),
    retries,
    ...extra,
  };
}

async function accountsNamed(name: string) {
  const accounts = await prisma.account.findMany({ where: { name } });
  const events = await prisma.outboxEvent.findMany({
    where: { accountId: { in: accounts.map((a) => a.id) } },
    orderBy: { seq: 'asc' },
  });
  return { accounts, events };
}

describe('createAccount under injected commit failures: one account, one CREATED event', () => {
  test.each<[Fault, DbErrorKind]>([
    ['40001-at-commit', 'serialization'],
    ['40003-after-commit', 'ambiguous'],
    ['reset-after-commit', 'connection'],
    ['reset-before-commit', 'connection'],
    ['terminate-before-commit', 'connection'],
  ])('%s', async (fault, kind) => {
    const name = uniqueName();
    pool.inject(fault);
    const req = request();
    const result = await createAccount(prisma, name, req);
    expect(req.retries).toEqual([kind]);
    const { accounts, events } = await accountsNamed(name);
    expect(accounts.map((a) => a.id)).toEqual([result.account.id]);
    expect(events.map((e) => [e.id, e.eventName, e.seq])).toEqual([[result.event.id, 'CREATED', 1n]]);
  });

  test('with a key, a 40003 after the real commit, then the same request again: one account, the stored answer', async () => {
    const name = uniqueName();
    const key = `${prefix}k-${n}`;
    pool.inject('40003-after-commit');
    const first = await createAccount(prisma, name, request({ idempotencyKey: key }));
    const again = await createAccount(prisma, name, request({ idempotencyKey: key }));
    expect(again).toEqual({ ...first, replayed: true });
    expect((await accountsNamed(name)).accounts).toHaveLength(1);
  });

  test('a 40003 on every attempt of a write that cannot be read back: OUTCOME_UNKNOWN, not "nothing was written"', async () => {
    // The rename's lookup is by its outbox row: a 40003 after the real COMMIT, then every
    // lookup failing too (connection lost), leaves nothing that could honestly be claimed.
    const { account } = await createAccount(prisma, uniqueName(), request());
    pool.inject('40003-after-commit').inject({ statement: LOOKUP_BY_EVENT_ID, code: '08006' }, 2);
    const err = await renameAccount(
      prisma,
      account.id,
      uniqueName(),
      request({ retry: { maxAttempts: 3, baseDelayMs: 1 } }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ extensions: { code: ErrorCode.OUTCOME_UNKNOWN } });
    expect((err as Error).message).toMatch(/may or may not have happened: retry with the same Idempotency-Key/);
    // It had in fact been applied, more than once being impossible: each re-run reused the event id.
    const events = await prisma.outboxEvent.findMany({ where: { accountId: account.id, eventName: 'UPDATED' } });
    expect(events).toHaveLength(1);
  });

  test('the database unreachable: DATABASE_UNAVAILABLE, and it says nothing was written', async () => {
    const dead = new PrismaClient({
      adapter: new PrismaPg({ connectionString: 'postgresql://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 }),
    });
    const name = uniqueName();
    const err = await createAccount(dead, name, request({ retry: { maxAttempts: 2, baseDelayMs: 1 } })).catch(
      (e: unknown) => e,
    );
    await dead.$disconnect();
    expect(err).toMatchObject({ extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } });
    expect((err as Error).message).toContain('nothing was written');
    expect((await accountsNamed(name)).accounts).toHaveLength(0);
  });
});

describe('renameAccount under injected commit failures: exactly one UPDATED event', () => {
  test.each<Fault>(['40001-at-commit', '40003-after-commit', 'reset-after-commit', 'terminate-before-commit'])(
    '%s',
    async (fault) => {
      const { account } = await createAccount(prisma, uniqueName(), request());
      const renamed = uniqueName();
      pool.inject(fault);
      const result = await renameAccount(prisma, account.id, renamed, request());
      expect(result.account).toMatchObject({ id: account.id, name: renamed });
      const events = await prisma.outboxEvent.findMany({ where: { accountId: account.id }, orderBy: { seq: 'asc' } });
      expect(events.map((e) => [e.eventName, e.seq])).toEqual([
        ['CREATED', 1n],
        ['UPDATED', 2n],
      ]);
      expect(events[1]!.id).toBe(result.event.id);
    },
  );

  test('40001 at the outbox insert (not only at COMMIT) re-runs the whole transaction once', async () => {
    const { account } = await createAccount(prisma, uniqueName(), request());
    pool.inject({ statement: /INSERT INTO "public"\."outbox"/, code: '40001' });
    const req = request();
    await renameAccount(prisma, account.id, uniqueName(), req);
    expect(req.retries).toEqual(['serialization']);
    expect(await prisma.outboxEvent.count({ where: { accountId: account.id } })).toBe(2);
  });
});

describe('hot rows queue on the account row lock', () => {
  test('50 concurrent renames of one account: 50 successes, 50 UPDATED events, seq and time in commit order', async () => {
    const { account } = await createAccount(prisma, uniqueName(), request());
    const names = Array.from({ length: 50 }, () => uniqueName());
    const results = await Promise.allSettled(names.map((name) => renameAccount(prisma, account.id, name, request())));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const events = await prisma.outboxEvent.findMany({
      where: { accountId: account.id, eventName: 'UPDATED' },
      orderBy: { seq: 'asc' },
    });
    expect(events.map((e) => e.seq)).toEqual(names.map((_, i) => BigInt(i + 2)));
    // Each event is one rename's (ids decided by the writes) and the last in seq order is the name that stuck.
    const nameOfEvent = new Map(
      results.map((r, i) => [(r as PromiseFulfilledResult<{ event: { id: string } }>).value.event.id, names[i]]),
    );
    expect(new Set(events.map((e) => nameOfEvent.get(e.id))).size).toBe(50);
    const final = await prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(final.name).toBe(nameOfEvent.get(events[events.length - 1]!.id));
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.occurredAt.getTime()).toBeGreaterThanOrEqual(events[i - 1]!.occurredAt.getTime());
  });
});
