/**
 * What the outbox fault tests check after a fault: this run's outbox rows by state, the
 * drain, and the invariants of the write path (every acknowledged create exists with
 * exactly one CREATED event in the data context, event id = outbox row id; no event
 * without its account and outbox row; no account without its event), and that the
 * account process reports an idle outbox on GET /outbox and GET /metrics.
 */
import { eventually } from './harness/eventually';
import type { Ack } from './outbox-writer';
import { sample, sql, type OutboxProcesses, type OutboxStatusBody } from './outbox-stack';

/** This run's outbox rows by state, read from the account database. */
export async function runOutbox(prefix: string) {
  const [row] = await sql<{ pending: number; leased: number; failing: number }>(
    'account',
    `SELECT count(*) FILTER (WHERE o.delivered_at IS NULL)::int AS pending,
            count(*) FILTER (WHERE o.delivered_at IS NULL AND o.claimed_by IS NOT NULL)::int AS leased,
            count(*) FILTER (WHERE o.delivered_at IS NULL AND o.last_error IS NOT NULL)::int AS failing
       FROM outbox o JOIN accounts a ON a.id = o.account_id
      WHERE left(a.name, length($1)) = $1`,
    [prefix],
  );
  return row!;
}

/** Undelivered rows of this run whose event the data context already stored (delivered, not yet acked). */
export async function deliveredButUnacked(prefix: string): Promise<number> {
  const rows = await sql<{ id: string }>(
    'account',
    `SELECT o.id FROM outbox o JOIN accounts a ON a.id = o.account_id
      WHERE left(a.name, length($1)) = $1 AND o.delivered_at IS NULL`,
    [prefix],
  );
  if (rows.length === 0) return 0;
  const stored = await sql<{ n: number }>('data', 'SELECT count(*)::int AS n FROM account_events WHERE id = ANY($1)', [
    rows.map((r) => r.id),
  ]);
  return stored[0]?.n ?? 0;
}

/** Waits (bounded) until this run's outbox rows and then the whole outbox are delivered; returns how long it took. */
export async function waitDrained(stack: OutboxProcesses, prefix: string, timeoutMs = 45_000): Promise<number> {
  const t0 = Date.now();
  await eventually(
    async () => {
      const mine = await runOutbox(prefix);
      const all = await stack
        .outboxStatus()
        .catch((err: unknown) => ({ error: String(err) }) as unknown as OutboxStatusBody);
      if (mine.pending !== 0 || all.pending !== 0) throw new Error(JSON.stringify({ mine, all }));
      return true;
    },
    { what: 'the outbox to drain', timeoutMs, intervalMs: 100 },
  );
  return Date.now() - t0;
}

/**
 * The invariants of the write path, for the accounts named `<prefix>...`, and for every
 * event the data context stored since `since`.
 */
export async function expectConsistent(
  prefix: string,
  acked: Ack[],
  since: Date,
): Promise<{ accounts: number; events: number }> {
  const accounts = await sql<{ id: string; name: string }>(
    'account',
    'SELECT id, name FROM accounts WHERE left(name, length($1)) = $1',
    [prefix],
  );
  const ids = accounts.map((a) => a.id);
  const nameOf = new Map(accounts.map((a) => [a.id, a.name]));

  // Every acknowledged create is there, under its name.
  expect(acked.filter((a) => nameOf.get(a.id) !== a.name)).toEqual([]);
  // Acknowledged writes are a subset: a create cut off by the kill may have committed unacknowledged.
  expect(accounts.length).toBeGreaterThanOrEqual(acked.length);

  // One outbox row per account, its CREATED event, delivered.
  const outbox = await sql<{ id: string; account_id: string; event_name: string; delivered: boolean }>(
    'account',
    'SELECT id, account_id, event_name, delivered_at IS NOT NULL AS delivered FROM outbox WHERE account_id = ANY($1)',
    [ids],
  );
  const outboxOf = new Map<string, typeof outbox>();
  for (const r of outbox) outboxOf.set(r.account_id, [...(outboxOf.get(r.account_id) ?? []), r]);
  const badOutbox = ids
    .map((id) => ({ id, rows: outboxOf.get(id) ?? [] }))
    .filter(({ rows }) => rows.length !== 1 || rows[0]!.event_name !== 'CREATED' || !rows[0]!.delivered);
  expect(badOutbox).toEqual([]);

  // Exactly one CREATED event per account in the data context, with the outbox row's id.
  const events = await sql<{ id: string; account_id: string; event_name: string }>(
    'data',
    'SELECT id, account_id, event_name FROM account_events WHERE account_id = ANY($1)',
    [ids],
  );
  const eventsOf = new Map<string, typeof events>();
  for (const e of events) eventsOf.set(e.account_id, [...(eventsOf.get(e.account_id) ?? []), e]);
  const lacking = ids.filter((id) => (eventsOf.get(id) ?? []).length === 0);
  expect({ accountsWithoutEvent: lacking }).toEqual({ accountsWithoutEvent: [] });
  const wrong = ids
    .map((id) => ({ id, outboxId: outboxOf.get(id)?.[0]?.id, events: eventsOf.get(id) ?? [] }))
    .filter(({ outboxId, events: es }) => es.length !== 1 || es[0]!.event_name !== 'CREATED' || es[0]!.id !== outboxId);
  expect(wrong).toEqual([]);
  expect(events.length).toBe(accounts.length);
  // The acknowledged ones in particular (already implied; stated for the reader).
  expect(acked.filter((a) => eventsOf.get(a.id)?.length !== 1)).toEqual([]);

  // No event stored since the run began lacks its account or its outbox row.
  const recent = await sql<{ id: string; account_id: string }>(
    'data',
    'SELECT id, account_id FROM account_events WHERE created >= $1::timestamp',
    [since.toISOString()],
  );
  const known = new Set(
    (
      await sql<{ id: string }>('account', 'SELECT id FROM accounts WHERE id = ANY($1)', [
        [...new Set(recent.map((e) => e.account_id))],
      ])
    ).map((r) => r.id),
  );
  const queued = new Set(
    (await sql<{ id: string }>('account', 'SELECT id FROM outbox WHERE id = ANY($1)', [recent.map((e) => e.id)])).map(
      (r) => r.id,
    ),
  );
  expect({ orphanEvents: recent.filter((e) => !known.has(e.account_id) || !queued.has(e.id)) }).toEqual({
    orphanEvents: [],
  });

  return { accounts: accounts.length, events: events.length };
}

/** GET /outbox answers JSON with nothing pending; GET /metrics exposes the outbox's depth and lag. */
export async function expectIdleAndObservable(stack: OutboxProcesses): Promise<void> {
  const status = await stack.outboxStatus();
  expect(status).toMatchObject({ pending: 0, failing: 0, oldest: [] });
  const text = await stack.metricsText();
  expect(text).toMatch(/^# TYPE outbox_pending_events gauge$/m);
  expect(sample(text, 'outbox_pending_events')).toBe(0);
  expect(text).toMatch(/^# TYPE outbox_delivery_lag_seconds histogram$/m);
  expect(sample(text, 'outbox_delivery_lag_seconds_count')).toBeGreaterThan(0);
  expect(sample(text, 'outbox_deliveries_total{outcome="delivered"}')).toBeGreaterThan(0);
}
