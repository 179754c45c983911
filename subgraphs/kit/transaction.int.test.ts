/**
 * Serialization-failure retries: the error classifier and retryConflicts as units, then a
 * real write-skew conflict on the test PostgreSQL (SERIALIZABLE) between two Prisma
 * clients of the account context, without retry (one transaction is aborted with
 * SQLSTATE 40001) and with retry (both commit, and the result is a serial one).
 */
import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { PrismaClient } from '../../generated/account/client';
import { connectDatabase, type Database } from './database';
import { serializable } from '../../tests/harness/serializable';
import type { RetryOptions } from '../../platform/retry';
import { isSerializationFailure } from './db-errors';
import { retryConflicts } from './transaction';

describe('isSerializationFailure', () => {
  test.each<[string, unknown]>([
    ['Prisma P2034', { code: 'P2034', message: 'Transaction failed due to a write conflict or a deadlock' }],
    ['raw SQLSTATE 40001', { code: '40001', message: 'could not serialize access' }],
    ['40001 nested as a cause', new Error('wrapped', { cause: new Error('middle', { cause: { code: '40001' } }) })],
    [
      'driver adapter, originalCode',
      { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '40001' } } } },
    ],
    [
      'driver adapter, kind',
      { code: 'P2034', meta: { driverAdapterError: { cause: { kind: 'TransactionWriteConflict' } } } },
    ],
    // What a COMMIT that loses the conflict throws: the adapter's error, not wrapped by Prisma.
    [
      'a bare DriverAdapterError (failed COMMIT)',
      Object.assign(new Error('TransactionWriteConflict'), {
        name: 'DriverAdapterError',
        cause: {
          originalCode: '40001',
          originalMessage: 'could not serialize access',
          kind: 'TransactionWriteConflict',
        },
      }),
    ],
    [
      'a bare DriverAdapterError for a deadlock',
      Object.assign(new Error('TransactionWriteConflict'), {
        name: 'DriverAdapterError',
        cause: { originalCode: '40P01', kind: 'TransactionWriteConflict' },
      }),
    ],
  ])('recognises %s', (_, err) => expect(isSerializationFailure(err)).toBe(true));

  test.each<[string, unknown]>([
    ['a unique violation', { code: 'P2002' }],
    ['SQLSTATE 23505', { code: '23505' }],
    ['a plain Error', new Error('40001 in the text only')],
    [
      'another adapter error',
      { meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505' } } } },
    ],
    ['null', null],
    ['a string', '40001'],
  ])('rejects %s', (_, err) => expect(isSerializationFailure(err)).toBe(false));
});

describe('retryConflicts', () => {
  const conflict = () => Object.assign(new Error('conflict'), { code: 'P2034' });

  test('retries serialization failures with growing backoff until one attempt succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryConflicts(
      async (attempt) => {
        calls++;
        expect(attempt).toBe(calls);
        if (attempt < 4) throw conflict();
        return 'ok';
      },
      { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4, onRetry: (_, delay) => delays.push(delay) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    // Full jitter: each delay is within [0, min(cap, base * 2^(attempt-1))].
    delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(Math.min(4, 2 ** i)));
    delays.forEach((d) => expect(d).toBeGreaterThanOrEqual(0));
  });

  test('stops after maxAttempts with TRANSACTION_CONFLICT', async () => {
    let calls = 0;
    const err = await retryConflicts(
      async () => {
        calls++;
        throw conflict();
      },
      { maxAttempts: 3, baseDelayMs: 0 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions).toMatchObject({ code: 'TRANSACTION_CONFLICT', attempts: 3 });
  });

  test('throws any other error at once, unchanged', async () => {
    let calls = 0;
    const boom = Object.assign(new Error('unique'), { code: 'P2002' });
    const onRetry = jest.fn();
    await expect(
      retryConflicts(
        async () => {
          calls++;
          throw boom;
        },
        { maxAttempts: 5, baseDelayMs: 0, onRetry },
      ),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
    expect(onRetry).not.toHaveBeenCalled();
  });
});

describe('a real serialization conflict (write skew on PostgreSQL SERIALIZABLE)', () => {
  const prefix = `retry-test-${randomBytes(4).toString('hex')}`;
  let dbs: Database<PrismaClient>[] = [];
  let seq = 0;

  beforeAll(() => {
    const url = process.env.ACCOUNT_DATABASE_URL;
    if (!url) throw new Error('ACCOUNT_DATABASE_URL not set: run through jest (global-setup)');
    dbs = [connectDatabase(PrismaClient, url, 2), connectDatabase(PrismaClient, url, 2)];
  });
  afterAll(async () => {
    await dbs[0]?.prisma.account.deleteMany({ where: { id: { startsWith: prefix } } });
    await Promise.all(dbs.map((d) => d.close()));
  });

  interface Ids {
    a: string;
    b: string;
  }
  interface Conflict {
    ids: Ids;
    bothRead: () => Promise<void>;
    bothWrote: () => Promise<void>;
  }

  /** A promise each side awaits at one point: it resolves once both sides have got there. */
  function barrier() {
    let arrived = 0;
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return () => {
      if (++arrived === 2) open();
      return opened;
    };
  }

  /** Two fresh rows A and B holding the number 1 as their name, and the two barriers. */
  async function conflict(): Promise<Conflict> {
    const ids = { a: `${prefix}-${++seq}-a`, b: `${prefix}-${seq}-b` };
    await dbs[0]!.prisma.account.createMany({
      data: [
        { id: ids.a, name: '1' },
        { id: ids.b, name: '1' },
      ],
    });
    return { ids, bothRead: barrier(), bothWrote: barrier() };
  }

  type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

  /**
   * Reads A and B, waits for the other side to have read too, sets `target` := A + B, and
   * waits for the other side to have written before committing: so the loser is aborted
   * at COMMIT (where Prisma does not wrap the error in P2034), the same way on every run.
   * Once a barrier is open it stays open, so a retried attempt runs straight through.
   */
  const skew =
    ({ ids, bothRead, bothWrote }: Conflict, target: 'a' | 'b') =>
    async (tx: Tx) => {
      const [a, b] = await Promise.all([
        tx.account.findUnique({ where: { id: ids.a } }),
        tx.account.findUnique({ where: { id: ids.b } }),
      ]);
      await bothRead();
      const sum = Number(a!.name) + Number(b!.name);
      try {
        await tx.account.update({ where: { id: ids[target] }, data: { name: String(sum) } });
      } finally {
        await bothWrote();
      }
      return sum;
    };

  const names = async (ids: Ids) => {
    const rows = await dbs[0]!.prisma.account.findMany({ where: { id: { in: [ids.a, ids.b] } } });
    return rows.map((r) => Number(r.name)).sort();
  };

  test('Prisma alone surfaces the abort as a serialization failure (40001 at COMMIT)', async () => {
    const c = await conflict();
    const results = await Promise.allSettled([
      dbs[0]!.prisma.$transaction(skew(c, 'a'), { isolationLevel: 'Serializable' }),
      dbs[1]!.prisma.$transaction(skew(c, 'b'), { isolationLevel: 'Serializable' }),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toMatchObject({
      name: 'DriverAdapterError',
      cause: { originalCode: '40001', kind: 'TransactionWriteConflict' },
    });
    expect(isSerializationFailure(failed[0]!.reason)).toBe(true);
    // Only the winner's write is there: A+B = 2 written into one row, the other still 1.
    expect(await names(c.ids)).toEqual([1, 2]);
  });

  test('without retry (maxAttempts 1) the loser gets TRANSACTION_CONFLICT', async () => {
    const c = await conflict();
    const opts: RetryOptions = { maxAttempts: 1 };
    const results = await Promise.allSettled([
      serializable(dbs[0]!.prisma, skew(c, 'a'), opts),
      serializable(dbs[1]!.prisma, skew(c, 'b'), opts),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBeInstanceOf(GraphQLError);
    expect((failed[0]!.reason as GraphQLError).extensions.code).toBe('TRANSACTION_CONFLICT');
    expect(await names(c.ids)).toEqual([1, 2]);
  });

  test('with retry both commit and the outcome is a serial one (no write skew)', async () => {
    const c = await conflict();
    const attempts = { a: 0, b: 0 };
    const retried: unknown[] = [];
    const opts: RetryOptions = { maxAttempts: 6, baseDelayMs: 5, onRetry: (_, __, err) => retried.push(err) };
    const run = (db: Database<PrismaClient>, target: 'a' | 'b') =>
      serializable(
        db.prisma,
        (tx) => {
          attempts[target]++;
          return skew(c, target)(tx);
        },
        opts,
      );
    const sums = await Promise.all([run(dbs[0]!, 'a'), run(dbs[1]!, 'b')]);
    // Serially, the first sets its row to 1+1 = 2 and the second to 2+1 = 3; write skew would give [2, 2].
    expect(sums.sort()).toEqual([2, 3]);
    expect(await names(c.ids)).toEqual([2, 3]);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.every(isSerializationFailure)).toBe(true);
    expect(attempts.a + attempts.b).toBe(2 + retried.length);
  });
});
