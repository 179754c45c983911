/**
 * The relay's rounds (drainOnce) against the real test PostgreSQL (SERIALIZABLE), with an
 * in-test data context (tests/outbox-table.ts `recorder`): ack on success, release with
 * per-row backoff when the data context refuses an event, per-account seq order over rounds, two
 * relays draining one outbox at once (each row delivered exactly once), and what a round
 * does when the data context does not answer at all (the whole relay pauses and probes
 * with one row; destination.ts).
 */
import { recorder, range, seqsByAccount, sleep, useOutboxTable, connectionRefused } from '../../../tests/outbox-table';

const { prisma, accounts, relay, pending, insertPerAccount } = useOutboxTable();

describe('drainOnce', () => {
  test('acks what was delivered and releases what was refused, with backoff', async () => {
    const accs = accounts(4);
    await insertPerAccount(accs, 1);
    const refused = `${accs[1]}-e1`;
    const { calls, deliverFor } = recorder({ refuse: (row) => row.id === refused });
    const r = relay(deliverFor('r1'), { id: 'r1', maxBackoffMs: 60_000 });
    const result = await r.drainOnce();
    expect(result.claimed).toBe(4);
    expect(result.failed).toEqual([refused]);
    expect([...result.delivered].sort()).toEqual(
      accs
        .filter((_, i) => i !== 1)
        .map((a) => `${a}-e1`)
        .sort(),
    );
    expect(calls.map((c) => c.id).sort()).toEqual(accs.map((a) => `${a}-e1`).sort());
    expect(calls.every((c) => c.seq === 1 && c.relay === 'r1')).toBe(true);

    const rows = await prisma.outboxEvent.findMany({ orderBy: { occurredAt: 'asc' } });
    for (const row of rows) {
      if (row.id === refused) {
        expect(row).toMatchObject({
          deliveredAt: null,
          attempts: 1,
          lastError: `data context refused ${refused}`,
          claimedBy: null,
          claimedUntil: null,
        });
        // First failure: backoff within [0, 100 ms] after the failure, by the database's clock.
        const [{ ms }] = (await prisma.$queryRaw<{ ms: number }[]>`
          SELECT EXTRACT(EPOCH FROM (next_attempt_at - (now() AT TIME ZONE 'UTC'))) * 1000 AS ms FROM outbox WHERE id = ${refused}`) as [
          { ms: number },
        ];
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
    const ids = await insertPerAccount(accs, 4);
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
    expect(
      delivered()
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ids].sort());
    for (const acc of accs) expect(seqsByAccount(delivered()).get(acc)).toEqual(range(4));
    // Not even an attempt ran ahead: every call for seq k came after seq k-1 was delivered.
    for (const [i, c] of calls.entries()) {
      if (c.seq > 1)
        expect(calls.slice(0, i).some((p) => p.ok && p.accountId === c.accountId && p.seq === c.seq - 1)).toBe(true);
    }
    const rows = await prisma.outboxEvent.findMany();
    for (const row of rows) expect(row.attempts).toBe(calls.filter((c) => c.id === row.id).length);
  });
});

describe('two relays at once', () => {
  test('every row is delivered exactly once, in seq order per account, and both relays take part', async () => {
    const accs = accounts(60);
    const ids = await insertPerAccount(accs, 5);
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
    expect(
      (await prisma.outboxEvent.findMany()).every(
        (r) => r.attempts === 1 && r.deliveredAt !== null && r.claimedBy === null,
      ),
    ).toBe(true);
  });
});

describe('an unreachable data context', () => {
  /** Milliseconds from now (the database's clock) to each row's next attempt. */
  const dueInMs = async (ids: string[]) =>
    (
      await prisma.$queryRaw<{ ms: number }[]>`
        SELECT EXTRACT(EPOCH FROM (next_attempt_at - (now() AT TIME ZONE 'UTC'))) * 1000 AS ms FROM outbox WHERE id = ANY(${ids}) ORDER BY id`
    ).map((r) => Number(r.ms));

  test('a round where nothing is answered marks it down; rows go back due at once; then one-row probes until one is answered', async () => {
    const accs = accounts(5);
    const ids = await insertPerAccount(accs, 1);
    let down = true;
    const { calls, delivered, deliverFor } = recorder({ down: () => down });
    const r = relay(deliverFor('r1'), { maxBackoffMs: 60_000 });
    expect(r.destination.up).toBe(true);

    const first = await r.drainOnce();
    expect(first).toMatchObject({ claimed: 5, delivered: [] });
    expect([...first.failed].sort()).toEqual([...ids].sort());
    expect(r.destination.status()).toMatchObject({
      up: false,
      failedRounds: 1,
      lastError: connectionRefused().message,
    });
    // Not the rows' fault: counted and explained, but not pushed back (the relay's pause is their backoff).
    const rows = await prisma.outboxEvent.findMany();
    expect(
      rows.every(
        (row) => row.attempts === 1 && row.lastError === connectionRefused().message && row.claimedBy === null,
      ),
    ).toBe(true);
    for (const ms of await dueInMs(ids)) expect(ms).toBeLessThanOrEqual(0);

    // Down: each round is a probe with the oldest due row only.
    for (let probe = 0; probe < 3; probe++) expect(await r.drainOnce()).toMatchObject({ claimed: 1, delivered: [] });
    expect(r.destination.status()).toMatchObject({ up: false, failedRounds: 4 });
    expect(calls).toHaveLength(5 + 3);

    // Back: the probe is acknowledged, the relay is up, and the next round takes the rest.
    down = false;
    expect(await r.drainOnce()).toMatchObject({ claimed: 1, failed: [] });
    expect(r.destination.status()).toEqual({
      up: true,
      downSince: null,
      downForMs: null,
      failedRounds: 0,
      lastError: null,
    });
    expect(await r.drainOnce()).toMatchObject({ claimed: 4, failed: [] });
    expect(await pending()).toBe(0);
    expect(
      delivered()
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ids].sort());
    for (const acc of accs) expect(seqsByAccount(delivered()).get(acc)).toEqual([1]);
  });

  test('a refused event is an answer: the relay stays up, and every failed row keeps its own backoff', async () => {
    const ids = await insertPerAccount(accounts(3), 1);
    const refused = ids[1]!;
    // One event refused, the other deliveries unreachable: the data context did answer.
    const r = relay(
      async (row) => {
        throw row.id === refused
          ? Object.assign(new Error(`data context refused ${row.id}`), { scope: 'event' })
          : connectionRefused();
      },
      { maxBackoffMs: 60_000 },
    );
    expect((await r.drainOnce()).failed).toHaveLength(3);
    expect(r.destination.up).toBe(true);
    expect(await prisma.outboxEvent.findUniqueOrThrow({ where: { id: refused } })).toMatchObject({
      attempts: 1,
      lastError: `data context refused ${refused}`,
    });
    // First failure of each: backoff within [0, 100 ms].
    for (const ms of await dueInMs(ids)) expect(ms).toBeLessThanOrEqual(100);
  });

  test('a refused probe is an answer too: the relay is back, the row keeps its own backoff', async () => {
    const [id] = (await insertPerAccount(accounts(1), 1)) as [string];
    let down = true;
    const { calls, deliverFor } = recorder({ down: () => down, refuse: () => true });
    const r = relay(deliverFor('r1'), { maxBackoffMs: 60_000 });
    await r.drainOnce();
    expect(r.destination.up).toBe(false);
    down = false;
    expect(await r.drainOnce()).toEqual({ claimed: 1, delivered: [], failed: [id] });
    expect(r.destination.up).toBe(true);
    expect(calls.map((c) => c.ok)).toEqual([false, false]);
    expect(await prisma.outboxEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({
      attempts: 2,
      lastError: `data context refused ${id}`,
    });
  });
});
