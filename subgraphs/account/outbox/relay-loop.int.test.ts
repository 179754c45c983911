/**
 * The relay's background loop against the real test PostgreSQL, with an in-test data
 * context (tests/outbox-table.ts `recorder`): poll, wake and stop; a refused row retried
 * until delivered; an unreachable data context (the whole relay pauses with backoff, whatever
 * wakes it, logs once each way, and delivers every row exactly once when it is back); and
 * the two backoff functions, backoffMs (per row) and pauseMs (per destination).
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { createLogger } from '../../../platform/logger';
import { serializable } from '../../../tests/harness/serializable';
import { pauseMs } from './destination';
import { outboxMetrics } from './metrics';
import { backoffMs, type OutboxRelay } from './relay';
import { appendEvent } from './store';
import { eventually } from '../../../tests/harness/eventually';
import { recorder, seqsByAccount, sleep, useOutboxTable } from '../../../tests/outbox-table';

const { prisma, accounts, relay, pending, insertPerAccount } = useOutboxTable();
const log = createLogger('outbox-relay-test', 'silent');

/** Appends an event the way the resolvers do: in its own serializable transaction. */
const append = (accountId: string) =>
  serializable(prisma, (tx) => appendEvent(tx, accountId, 'UPDATED', new Date()), { maxAttempts: 8 });

describe('the loop', () => {
  test('delivers rows appended after it started, without anyone calling drainOnce', async () => {
    const accs = accounts(3);
    const { delivered, deliverFor } = recorder();
    relay(deliverFor('r1')).start(log);
    await sleep(100);
    const ids: string[] = [];
    for (const acc of accs) for (let i = 0; i < 2; i++) ids.push(await append(acc));
    await eventually(async () => (await pending()) === 0);
    expect(
      delivered()
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ids].sort());
    for (const acc of accs) expect(seqsByAccount(delivered()).get(acc)).toEqual([1, 2]);
  });

  test('retries a refused row in the background until it is delivered', async () => {
    const [a] = accounts(1) as [string];
    const { calls, deliverFor } = recorder({ refuse: (_, n) => n <= 2 });
    relay(deliverFor('r1')).start(log);
    const id = await append(a);
    const row = await eventually(
      async () => (await prisma.outboxEvent.findFirst({ where: { id, deliveredAt: { not: null } } })) ?? undefined,
    );
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
    await eventually(() => delivered().some((c) => c.id === first));
    await sleep(200); // let it go back to sleep
    const second = await append(b);
    r.wake();
    await eventually(() => delivered().some((c) => c.id === second));
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

describe('an unreachable data context', () => {
  // The relay's metrics on a registry of the test's own, wired as worker.ts does.
  const registry = new Registry();
  const destinationUp = async () => (await registry.getSingleMetric('outbox_destination_up')!.get()).values[0]?.value;
  const outages = async () =>
    (await registry.getSingleMetric('outbox_destination_outages_total')!.get()).values[0]?.value;

  test('attempts stay bounded however often it is woken; once back, every row is delivered once; one log line each way', async () => {
    const accs = accounts(25);
    const ids = await insertPerAccount(accs, 1);
    let down = true;
    const { calls, delivered, deliverFor } = recorder({ down: () => down });
    const lines: { level: number; msg: string; downtimeMs?: number }[] = [];
    const r: OutboxRelay = relay(
      deliverFor('r1'),
      { maxBackoffMs: 400 },
      outboxMetrics(registry, { depth: pending, destination: () => r.destination }),
    );
    r.start(
      pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) }),
    );
    // Commits in its own process wake the relay; while it pauses, that must not cut the pause short.
    const outage = Date.now() + 2_000;
    while (Date.now() < outage) {
      r.wake();
      await sleep(5);
    }
    // The first round tried all 25; then one probe per pause, and pauses are at least
    // 50, 100, 200, 200, … ms (half of 100·2^(n−1), capped at 400): at most 11 probes in 2 s.
    const probes = calls.length - 25;
    expect(
      calls
        .slice(0, 25)
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(probes).toBeGreaterThanOrEqual(3);
    expect(probes).toBeLessThanOrEqual(11);
    expect(r.destination.status()).toMatchObject({ up: false, failedRounds: probes + 1 });
    expect(await destinationUp()).toBe(0);
    expect(await outages()).toBe(1);

    down = false;
    await eventually(async () => (await pending()) === 0);
    expect(
      delivered()
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(new Set(delivered().map((c) => c.id)).size).toBe(ids.length);
    for (const acc of accs) expect(seqsByAccount(delivered()).get(acc)).toEqual([1]);
    expect(r.destination.up).toBe(true);
    expect(await destinationUp()).toBe(1);
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      '40 outbox destination unreachable; relay paused, probing with one row',
      '30 outbox destination reachable again; relay resumed',
    ]);
    expect(lines[1]!.downtimeMs).toBeGreaterThanOrEqual(1_500); // from the first failed round to the first answer
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

describe('pauseMs', () => {
  test('is a whole number within [bound/2, bound], bound = min(cap, 100·2^(n−1))', () => {
    const outside: string[] = [];
    for (const cap of [10, 250, 5_000, 3_600_000]) {
      for (let n = 0; n <= 30; n++) {
        const bound = Math.min(cap, 100 * 2 ** Math.max(0, n - 1));
        for (let i = 0; i < 200; i++) {
          const ms = pauseMs(n, cap);
          if (!Number.isInteger(ms) || ms < Math.floor(bound / 2) || ms > bound)
            outside.push(`pauseMs(${n}, ${cap}) = ${ms}`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  test('actually jitters', () => {
    expect(new Set(Array.from({ length: 200 }, () => pauseMs(5, 5_000))).size).toBeGreaterThan(1);
  });
});
