/**
 * appendEvent (store.ts) against the real test PostgreSQL (SERIALIZABLE): each account's
 * events numbered 1, 2, 3 inside the caller's transaction, a rollback leaves nothing, and
 * two concurrent appends for one account get seqs 1 and 2 (serializable + retry).
 */
import { serializable } from '../../../tests/harness/serializable';
import { appendEvent, type Tx } from './store';
import { useOutboxTable } from '../../../tests/outbox-table';

const { prisma, accounts } = useOutboxTable();
const RETRY = { maxAttempts: 8, baseDelayMs: 5 };
const BASE = Date.UTC(2024, 0, 1);

describe('appendEvent', () => {
  test('numbers each account’s events 1, 2, 3 in the caller’s transaction', async () => {
    const [a, b] = accounts(2) as [string, string];
    const ids: string[] = [];
    for (const [acc, name] of [
      [a, 'CREATED'],
      [a, 'UPDATED'],
      [b, 'CREATED'],
      [a, 'UPDATED'],
    ] as const) {
      ids.push(
        await serializable(
          prisma,
          async (tx) => {
            if (name === 'CREATED') await tx.account.create({ data: { id: acc, name: acc } });
            return appendEvent(tx, acc, name, new Date(BASE));
          },
          RETRY,
        ),
      );
    }
    const rows = await prisma.outboxEvent.findMany({ orderBy: [{ accountId: 'asc' }, { seq: 'asc' }] });
    expect(rows.map((r) => [r.id, r.accountId, r.seq, r.eventName])).toEqual([
      [ids[0], a, 1n, 'CREATED'],
      [ids[1], a, 2n, 'UPDATED'],
      [ids[3], a, 3n, 'UPDATED'],
      [ids[2], b, 1n, 'CREATED'],
    ]);
    expect(new Set(ids).size).toBe(4);
    for (const r of rows) {
      expect(r.occurredAt).toEqual(new Date(BASE));
      expect(r).toMatchObject({ attempts: 0, deliveredAt: null, claimedBy: null, lastError: null });
    }
  });

  test('a rolled-back transaction leaves neither the account nor its event', async () => {
    const [a] = accounts(1) as [string];
    const err = await serializable(
      prisma,
      async (tx) => {
        await tx.account.create({ data: { id: a, name: a } });
        await appendEvent(tx, a, 'CREATED', new Date());
        throw new Error('changed my mind');
      },
      RETRY,
    ).catch((e: unknown) => e);
    expect(err).toEqual(new Error('changed my mind'));
    expect(await prisma.account.findUnique({ where: { id: a } })).toBeNull();
    expect(await prisma.outboxEvent.count()).toBe(0);
  });

  test('two concurrent appends for one account both commit (serializable + retry) with seqs 1 and 2', async () => {
    const [a] = accounts(1) as [string];
    await prisma.account.create({ data: { id: a, name: a } });
    // Each transaction waits, right after appendEvent's read of the last seq, until the
    // other one has read too: both see "no event yet" and both try seq 1. Only a retry
    // after the serialization failure can give the loser seq 2. The barrier opens once, so
    // retried attempts run straight through.
    let arrived = 0;
    let open!: () => void;
    const bothRead = new Promise<void>((r) => (open = r));
    const afterRead = async () => {
      if (++arrived === 2) open();
      await bothRead;
    };
    const retries: unknown[] = [];
    // (No write to the account row itself: its row lock would queue the second transaction
    // before its read, and the race under test is the one on the outbox alone.)
    const append = () =>
      serializable(prisma, (tx) => appendEvent(withPauseAfterRead(tx, afterRead), a, 'UPDATED', new Date()), {
        ...RETRY,
        onRetry: (_, __, e) => retries.push(e),
      });
    const ids = await Promise.all([append(), append()]);
    const rows = await prisma.outboxEvent.findMany({ where: { accountId: a }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(retries.length).toBeGreaterThanOrEqual(1);
  });
});

/** `tx` whose outboxEvent.aggregate (appendEvent's read of the last seq) awaits `pause` before returning. */
function withPauseAfterRead(tx: Tx, pause: () => Promise<void>): Tx {
  const model = new Proxy(tx.outboxEvent, {
    get(target, prop, receiver) {
      if (prop !== 'aggregate') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Tx['outboxEvent']['aggregate']>) => {
        const result = await target.aggregate(...args);
        await pause();
        return result;
      };
    },
  });
  return new Proxy(tx, {
    get: (target, prop, receiver) => (prop === 'outboxEvent' ? model : Reflect.get(target, prop, receiver)),
  });
}
