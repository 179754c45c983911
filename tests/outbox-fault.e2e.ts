/**
 * Fault test of the cross-context write path (account -> outbox -> relay -> data), with
 * real processes and real faults, no mocks. The account and data subgraphs run as child
 * processes on free ports against the test PostgreSQL; a writer creates accounts at a
 * steady rate straight through the account subgraph while
 *  A. the account process is SIGKILLed mid-delivery, the data process is SIGKILLed, the
 *     account process comes back while the data process is still down, then the data
 *     process comes back;
 *  B. the data context's database refuses connections for a few seconds (its backends are
 *     terminated) while both processes stay up.
 * After the outbox drains, every acknowledged create exists with exactly one CREATED event
 * in the data context (event id = outbox row id), no event exists without its account,
 * and no account lacks its event.
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '../deploy/local/scratch';
import type { ContextName } from '../platform/config';
import { adminQuery, testDatabaseUrls, withClient } from './harness/db';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';

jest.setTimeout(80_000);

const RUN = randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One statement as a context's own user, at READ COMMITTED: the test only observes, and
 * its reads must neither fail with nor cause serialization failures among the processes'
 * SERIALIZABLE transactions (the cluster's default).
 */
async function sql<R extends object = Record<string, unknown>>(context: ContextName, text: string, params: unknown[] = []): Promise<R[]> {
  return withClient(testDatabaseUrls()[context], async (c) => {
    await c.query('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED');
    return (await c.query<R>(text, params)).rows;
  });
}

// ---------------------------------------------------------------------------------------
// Processes

let accountPort = 0;
let dataPort = 0;
let account: SubgraphProcess | undefined;
let data: SubgraphProcess | undefined;
const started: SubgraphProcess[] = [];

const RELAY_ENV = {
  LOG_LEVEL: 'warn',
  OUTBOX_RELAY: 'true',
  OUTBOX_POLL_MS: '50',
  OUTBOX_LEASE_MS: '3000',
  OUTBOX_DELIVERY_TIMEOUT_MS: '1000',
  OUTBOX_MAX_BACKOFF_MS: '500',
};

function spawnAccount(): SubgraphProcess {
  account = spawnSubgraph('account', accountPort, { ...RELAY_ENV, DATA_SUBGRAPH_URL: `http://127.0.0.1:${dataPort}/graphql` });
  started.push(account);
  return account;
}

function spawnData(): SubgraphProcess {
  data = spawnSubgraph('data', dataPort, { LOG_LEVEL: 'warn' });
  started.push(data);
  return data;
}

const accountUrl = () => `http://127.0.0.1:${accountPort}`;

/** Runs `fn`; if it throws, the error carries the tail of every started process's output. */
async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) {
      for (const [i, p] of started.entries()) {
        const state = p.alive() ? 'running' : `exited ${p.child.exitCode ?? p.child.signalCode}`;
        err.message += `\n--- ${p.context} subgraph #${i} (pid ${p.child.pid}, ${state}), output tail ---\n${p.output().slice(-2_000)}`;
      }
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// The writer: one createAccount at a time, a fixed pause between, bounded in count and time.

interface Ack {
  id: string;
  name: string;
  phase: string;
}

class Writer {
  phase: string;
  readonly acked: Ack[] = [];
  /** Requests that never got an answer (no process listening, killed mid-request, timeout), by phase. */
  readonly unreachable = new Map<string, number>();
  /** Requests the account subgraph answered without creating the account (GraphQL errors, non-200), by phase. */
  readonly refused = new Map<string, number>();
  /** Distinct failure messages (at most 10 kept), with their phase, and how often each came. */
  readonly errors = new Map<string, number>();
  attempts = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    readonly prefix: string,
    firstPhase: string,
    private readonly opts = { pauseMs: 40, maxAttempts: 1_500, maxMs: 45_000 },
  ) {
    this.phase = firstPhase;
  }

  start(): this {
    this.done = this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  ackedIn(phase: string): number {
    return this.acked.filter((a) => a.phase === phase).length;
  }

  totalRefused(): number {
    return [...this.refused.values()].reduce((a, b) => a + b, 0);
  }

  private async loop(): Promise<void> {
    const deadline = Date.now() + this.opts.maxMs;
    while (!this.stopped && this.attempts < this.opts.maxAttempts && Date.now() < deadline) {
      const n = ++this.attempts;
      const name = `${this.prefix}${n}`;
      const phase = this.phase; // the phase the request was sent in
      try {
        const res = await fetch(`${accountUrl()}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `mutation { createAccount(name: "${name}") { id } }` }),
          signal: AbortSignal.timeout(3_000),
        });
        const text = await res.text();
        let body: { data?: { createAccount?: { id?: string } | null } | null; errors?: { message: string; extensions?: { code?: string } }[] } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // reported below with the status
        }
        const id = body.data?.createAccount?.id;
        if (res.status === 200 && id && !body.errors?.length) this.acked.push({ id, name, phase });
        else this.fail(this.refused, phase, `HTTP ${res.status} ${body.errors?.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ') ?? text.slice(0, 200)}`);
      } catch (err) {
        // Killed mid-response, the answer is lost; before that, there was no answer at all.
        const reason = err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err);
        this.fail(this.unreachable, phase, reason);
      }
      await sleep(this.opts.pauseMs);
    }
  }

  private fail(counts: Map<string, number>, phase: string, error: string): void {
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
    const key = `${phase}: ${error}`;
    if (this.errors.has(key) || this.errors.size < 10) this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  summary(phases: string[]): string {
    const errors = [...this.errors].map(([e, n]) => `${n}× ${e}`).join('; ');
    const per = (p: string) => `${p}: ${this.ackedIn(p)} ok / ${this.unreachable.get(p) ?? 0} unreachable / ${this.refused.get(p) ?? 0} refused`;
    return `${phases.map(per).join(', ')}${errors ? ` [${errors}]` : ''}`;
  }
}

// ---------------------------------------------------------------------------------------
// Observations

async function metricsText(): Promise<string> {
  const res = await fetch(`${accountUrl()}/metrics`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return res.text();
}

/** A sample's value in Prometheus text exposition (0 when the series is not there yet). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const FAILED = 'outbox_deliveries_total{outcome="failed"}';

interface OutboxStatusBody {
  pending: number;
  failing: number;
  oldest: unknown[];
}

async function outboxStatus(): Promise<OutboxStatusBody> {
  const res = await fetch(`${accountUrl()}/outbox`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return (await res.json()) as OutboxStatusBody;
}

/** This run's outbox rows by state, read from the account database. */
async function runOutbox(prefix: string) {
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
async function deliveredButUnacked(prefix: string): Promise<number> {
  const rows = await sql<{ id: string }>(
    'account',
    `SELECT o.id FROM outbox o JOIN accounts a ON a.id = o.account_id
      WHERE left(a.name, length($1)) = $1 AND o.delivered_at IS NULL`,
    [prefix],
  );
  if (rows.length === 0) return 0;
  const stored = await sql<{ n: number }>('data', 'SELECT count(*)::int AS n FROM account_events WHERE id = ANY($1)', [rows.map((r) => r.id)]);
  return stored[0]?.n ?? 0;
}

/** Waits (bounded) until this run's outbox rows and then the whole outbox are delivered; returns how long it took. */
async function waitDrained(prefix: string, timeoutMs = 45_000): Promise<number> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const mine = await runOutbox(prefix);
    const all = await outboxStatus().catch((err: unknown) => ({ error: String(err) }) as unknown as OutboxStatusBody);
    last = { mine, all };
    if (mine.pending === 0 && all.pending === 0) return Date.now() - t0;
    await sleep(100);
  }
  throw new Error(`the outbox did not drain within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/**
 * The invariants of the write path, for the accounts named `<prefix>...`, and for every
 * event the data context stored since `since`.
 */
async function expectConsistent(prefix: string, acked: Ack[], since: Date): Promise<{ accounts: number; events: number }> {
  const accounts = await sql<{ id: string; name: string }>('account', 'SELECT id, name FROM accounts WHERE left(name, length($1)) = $1', [prefix]);
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
  const recent = await sql<{ id: string; account_id: string }>('data', 'SELECT id, account_id FROM account_events WHERE created >= $1::timestamp', [
    since.toISOString(),
  ]);
  const known = new Set(
    (await sql<{ id: string }>('account', 'SELECT id FROM accounts WHERE id = ANY($1)', [[...new Set(recent.map((e) => e.account_id))]])).map((r) => r.id),
  );
  const queued = new Set((await sql<{ id: string }>('account', 'SELECT id FROM outbox WHERE id = ANY($1)', [recent.map((e) => e.id)])).map((r) => r.id));
  expect({ orphanEvents: recent.filter((e) => !known.has(e.account_id) || !queued.has(e.id)) }).toEqual({ orphanEvents: [] });

  return { accounts: accounts.length, events: events.length };
}

/** GET /outbox answers JSON with nothing pending; GET /metrics exposes the outbox's depth and lag. */
async function expectIdleAndObservable(): Promise<void> {
  const status = await outboxStatus();
  expect(status).toMatchObject({ pending: 0, failing: 0, oldest: [] });
  const text = await metricsText();
  expect(text).toMatch(/^# TYPE outbox_pending_events gauge$/m);
  expect(sample(text, 'outbox_pending_events')).toBe(0);
  expect(text).toMatch(/^# TYPE outbox_delivery_lag_seconds histogram$/m);
  expect(sample(text, 'outbox_delivery_lag_seconds_count')).toBeGreaterThan(0);
  expect(sample(text, 'outbox_deliveries_total{outcome="delivered"}')).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------
// Setup and cleanup

const prefixes: string[] = [];

beforeAll(async () => {
  accountPort = await freePort();
  dataPort = await freePort();
  const [d, a] = [spawnData(), spawnAccount()];
  await explained(() => Promise.all([waitReady(d), waitReady(a)]));
});

afterAll(async () => {
  // Every step runs whatever an earlier one did; the first error is reported at the end.
  const errors: unknown[] = [];
  const step = (fn: () => Promise<unknown>) => fn().catch((err: unknown) => errors.push(err));
  await step(() => Promise.all(started.map((p) => p.kill('SIGKILL'))));
  await step(() => adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true'));
  for (const prefix of prefixes) {
    await step(async () => {
      const ids = (await sql<{ id: string }>('account', 'SELECT id FROM accounts WHERE left(name, length($1)) = $1', [prefix])).map((r) => r.id);
      await sql('data', 'DELETE FROM account_events WHERE account_id = ANY($1)', [ids]);
      await sql('account', 'DELETE FROM outbox WHERE account_id = ANY($1)', [ids]);
      await sql('account', 'DELETE FROM accounts WHERE id = ANY($1)', [ids]);
    });
  }
  // The killed processes' server backends go away as soon as PostgreSQL sees their sockets
  // close; wait for that (bounded), so that the next test file starts on a quiet cluster.
  await step(async () => {
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await sleep(50)) {
      const [row] = await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'account-graph'");
      if (row?.n === 0) break;
    }
  });
  if (errors.length > 0) throw errors[0];
});

/** Log lines the processes wrote since the `before` counts were taken, by process, level and message. */
function logsSince(before = new Map<SubgraphProcess, Map<string, number>>()): string {
  const total = new Map<string, number>();
  for (const p of started) {
    for (const [k, n] of p.logCounts()) {
      const d = n - (before.get(p)?.get(k) ?? 0);
      if (d > 0) total.set(`${p.context} ${k}`, (total.get(`${p.context} ${k}`) ?? 0) + d);
    }
  }
  return [...total].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none';
}

const logCounts = () => new Map(started.map((p) => [p, new Map(p.logCounts())]));

// ---------------------------------------------------------------------------------------

test('A: no acknowledged create is lost or doubled when the account and data processes are SIGKILLed and restarted', () =>
  explained(async () => {
    const prefix = `fault-${RUN}a-`;
    prefixes.push(prefix);
    const logsBefore = logCounts();
    const since = new Date(Date.now() - 1_000);
    const writer = new Writer(prefix, 'before-kill').start();
    let atKill = { leased: 0, storedUnacked: 0, leaseSeen: false };
    try {
      await sleep(1_500);

      // SIGKILL the account process mid-delivery: wait (bounded) until the relay holds a lease.
      const leaseSeen = await withClient(testDatabaseUrls().account, async (c) => {
        await c.query('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED');
        for (const deadline = Date.now() + 3_000; Date.now() < deadline; ) {
          if ((await c.query('SELECT 1 FROM outbox WHERE delivered_at IS NULL AND claimed_by IS NOT NULL LIMIT 1')).rowCount) return true;
        }
        return false;
      });
      writer.phase = 'account-down';
      await account!.kill('SIGKILL');
      atKill = { leased: (await runOutbox(prefix)).leased, storedUnacked: await deliveredButUnacked(prefix), leaseSeen };

      await data!.kill('SIGKILL');
      // No account process: creates fail (wait, bounded, until the writer has seen one).
      for (const deadline = Date.now() + 3_000; !writer.unreachable.get('account-down') && Date.now() < deadline; ) await sleep(10);

      // The account process comes back while the data process is still down: writes resume,
      // deliveries fail and back off.
      writer.phase = 'data-down';
      await waitReady(spawnAccount());
      await sleep(1_500);
      const failedWhileDataDown = sample(await metricsText(), FAILED);
      const statusWhileDataDown = await outboxStatus();

      writer.phase = 'recovered';
      await waitReady(spawnData());
      await sleep(1_000);
      await writer.stop();

      const drainMs = await waitDrained(prefix);
      const counts = await expectConsistent(prefix, writer.acked, since);

      // Both faults really happened with writes around them.
      expect(writer.ackedIn('before-kill')).toBeGreaterThan(0);
      expect(writer.ackedIn('account-down')).toBe(0);
      expect(writer.ackedIn('data-down')).toBeGreaterThan(0);
      expect(writer.ackedIn('recovered')).toBeGreaterThan(0);
      expect(writer.unreachable.get('account-down') ?? 0).toBeGreaterThan(0);
      // Whenever the account process answered, it created the account: faults downstream of
      // the outbox (the relay, the data context) never turn a create away.
      expect({ refused: writer.totalRefused(), errors: [...writer.errors.keys()] }).toMatchObject({ refused: 0 });
      expect(failedWhileDataDown).toBeGreaterThan(0);
      expect(statusWhileDataDown.pending).toBeGreaterThan(0);
      await expectIdleAndObservable();

      console.info(
        `outbox fault A: ${writer.attempts} creates sent (${writer.summary(['before-kill', 'account-down', 'data-down', 'recovered'])}); ` +
          `at the kill: lease seen ${atKill.leaseSeen}, ${atKill.leased} leased rows, ${atKill.storedUnacked} stored-but-unacked; ` +
          `while data down: ${failedWhileDataDown} failed deliveries, ${statusWhileDataDown.pending} pending; ` +
          `drained in ${drainMs} ms; ${counts.accounts} accounts (${counts.accounts - writer.acked.length} committed unacknowledged), ${counts.events} events; ` +
          `logs: ${logsSince(logsBefore)}`,
      );
    } finally {
      await writer.stop();
    }
  }));

test('B: no acknowledged create is lost or doubled when the data database refuses connections for a few seconds', () =>
  explained(async () => {
    const prefix = `fault-${RUN}b-`;
    prefixes.push(prefix);
    const logsBefore = logCounts();
    // Both processes up (they are, unless test A stopped half-way).
    if (!data?.alive()) await waitReady(spawnData());
    if (!account?.alive()) await waitReady(spawnAccount());
    const [accountPid, dataPid] = [account!.child.pid, data!.child.pid];
    const failedBefore = sample(await metricsText(), FAILED);
    const since = new Date(Date.now() - 1_000);
    const writer = new Writer(prefix, 'db-up').start();
    let failingSeen = 0;
    let refusedWith: string | undefined;
    try {
      await sleep(1_000);

      writer.phase = 'db-down';
      await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS false');
      try {
        await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'data' AND pid <> pg_backend_pid()");
        // The fault is real: the data context's own role is refused now.
        refusedWith = await sql('data', 'SELECT 1').then(
          () => undefined,
          (err: { code?: string }) => err.code,
        );
        const downUntil = Date.now() + 3_000;
        while (Date.now() < downUntil) {
          failingSeen = Math.max(failingSeen, (await runOutbox(prefix)).failing);
          await sleep(100);
        }
      } finally {
        await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
      }
      const failedDuring = sample(await metricsText(), FAILED) - failedBefore;

      writer.phase = 'db-back';
      await sleep(1_000);
      await writer.stop();

      const drainMs = await waitDrained(prefix);
      const counts = await expectConsistent(prefix, writer.acked, since);

      expect(refusedWith).toBe('55000'); // object_not_in_prerequisite_state: not accepting connections
      expect(writer.ackedIn('db-up')).toBeGreaterThan(0);
      expect(writer.ackedIn('db-down')).toBeGreaterThan(0); // writes go on while the data context is down
      expect(writer.ackedIn('db-back')).toBeGreaterThan(0);
      // The account side never noticed: every create was answered, and answered with its account.
      expect({ failed: writer.attempts - writer.acked.length, errors: [...writer.errors.keys()] }).toMatchObject({ failed: 0 });
      expect(failedDuring).toBeGreaterThan(0);
      expect(failingSeen).toBeGreaterThan(0);
      // Nobody was restarted: both processes rode out the outage.
      expect([account!.alive(), data!.alive()]).toEqual([true, true]);
      expect([account!.child.pid, data!.child.pid]).toEqual([accountPid, dataPid]);
      await expectIdleAndObservable();

      console.info(
        `outbox fault B: ${writer.attempts} creates sent (${writer.summary(['db-up', 'db-down', 'db-back'])}); ` +
          `during the outage: ${failedDuring} failed deliveries, up to ${failingSeen} failing rows; ` +
          `drained in ${drainMs} ms; ${counts.accounts} accounts, ${counts.events} events; ` +
          `logs: ${logsSince(logsBefore)}`,
      );
    } finally {
      await writer.stop();
      await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
    }
  }));
