/**
 * The one setup of the outbox fault tests (tests/outbox-fault-*.e2e.ts): the account and
 * data subgraphs as real child processes on free ports against the test PostgreSQL, with
 * a fast relay. `useOutboxProcesses()`, called at a test file's top level, starts both
 * before the file's tests and, after them, kills every process it started, removes the
 * accounts (and their outbox rows and events) of every prefix the tests `track`ed, and
 * waits until the killed processes' database sessions are gone. Plus what the tests read:
 * SQL as a context's own user, the account process's /metrics and /outbox, its log counts.
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '../prisma/tools/local/scratch';
import type { ContextName } from '../platform/config';
import { adminQuery, testDatabaseUrls, withClient } from './harness/db';
import { heldWithin } from './harness/eventually';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';

export const RUN = randomBytes(4).toString('hex');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One statement as a context's own user, at READ COMMITTED: the test only observes, and
 * its reads must neither fail with nor cause serialization failures among the processes'
 * SERIALIZABLE transactions (the cluster's default).
 */
export async function sql<R extends object = Record<string, unknown>>(
  context: ContextName,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  return withClient(testDatabaseUrls()[context], async (c) => {
    await c.query('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED');
    return (await c.query<R>(text, params)).rows;
  });
}

export const RELAY_ENV = {
  LOG_LEVEL: 'warn',
  OUTBOX_RELAY: 'true',
  OUTBOX_POLL_MS: '50',
  OUTBOX_LEASE_MS: '3000',
  OUTBOX_DELIVERY_TIMEOUT_MS: '1000',
  OUTBOX_MAX_BACKOFF_MS: '500',
};

/** A sample's value in Prometheus text exposition (0 when the series is not there yet). */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

export const FAILED = 'outbox_deliveries_total{outcome="failed"}';

export interface OutboxStatusBody {
  pending: number;
  failing: number;
  oldest: unknown[];
  relay?: string;
  destination?: {
    up: boolean;
    downSince: string | null;
    downForMs: number | null;
    failedRounds: number;
    lastError: string | null;
  };
}

export type OutboxProcesses = ReturnType<typeof useOutboxProcesses>;

/** `accountEnv`: over RELAY_ENV for the account process (e.g. a log level). */
export function useOutboxProcesses(accountEnv: Record<string, string> = {}) {
  let accountPort = 0;
  let dataPort = 0;
  let account: SubgraphProcess | undefined;
  let data: SubgraphProcess | undefined;
  const started: SubgraphProcess[] = [];
  const prefixes: string[] = [];
  const accountUrl = () => `http://127.0.0.1:${accountPort}`;

  const stack = {
    get account(): SubgraphProcess {
      return account!;
    },
    get data(): SubgraphProcess {
      return data!;
    },
    accountUrl,
    spawnAccount(): SubgraphProcess {
      account = spawnSubgraph('account', accountPort, {
        ...RELAY_ENV,
        ...accountEnv,
        DATA_SUBGRAPH_URL: `http://127.0.0.1:${dataPort}/graphql`,
      });
      started.push(account);
      return account;
    },
    spawnData(): SubgraphProcess {
      data = spawnSubgraph('data', dataPort, { LOG_LEVEL: 'warn' });
      started.push(data);
      return data;
    },
    /** This test's accounts are named `<prefix>…`; they are removed after the file. */
    track(prefix: string): string {
      prefixes.push(prefix);
      return prefix;
    },
    /** Runs `fn`; if it throws, the error carries the tail of every started process's output. */
    async explained<T>(fn: () => Promise<T>): Promise<T> {
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
    },
    async metricsText(): Promise<string> {
      const res = await fetch(`${accountUrl()}/metrics`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      return res.text();
    },
    async outboxStatus(): Promise<OutboxStatusBody> {
      const res = await fetch(`${accountUrl()}/outbox`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      return (await res.json()) as OutboxStatusBody;
    },
    /** Per process, how many log lines of each level and message it wrote so far. */
    logCounts: () => new Map(started.map((p) => [p, new Map(p.logCounts())])),
    /** Log lines the processes wrote since the `before` counts were taken, by context, level and message. */
    logsSince(before = new Map<SubgraphProcess, Map<string, number>>()): Map<string, number> {
      const total = new Map<string, number>();
      for (const p of started) {
        for (const [k, n] of p.logCounts()) {
          const d = n - (before.get(p)?.get(k) ?? 0);
          if (d > 0) total.set(`${p.context} ${k}`, (total.get(`${p.context} ${k}`) ?? 0) + d);
        }
      }
      return total;
    },
  };

  beforeAll(async () => {
    accountPort = await freePort();
    dataPort = await freePort();
    const [d, a] = [stack.spawnData(), stack.spawnAccount()];
    await stack.explained(() => Promise.all([waitReady(d), waitReady(a)]));
  });

  afterAll(async () => {
    // Every step runs whatever an earlier one did; the first error is reported at the end.
    const errors: unknown[] = [];
    const step = (fn: () => Promise<unknown>) => fn().catch((err: unknown) => errors.push(err));
    await step(() => Promise.all(started.map((p) => p.kill('SIGKILL'))));
    await step(() => adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true'));
    for (const prefix of prefixes) {
      await step(async () => {
        const ids = (
          await sql<{ id: string }>('account', 'SELECT id FROM accounts WHERE left(name, length($1)) = $1', [prefix])
        ).map((r) => r.id);
        await sql('data', 'DELETE FROM account_events WHERE account_id = ANY($1)', [ids]);
        await sql('account', 'DELETE FROM outbox WHERE account_id = ANY($1)', [ids]);
        await sql('account', 'DELETE FROM accounts WHERE id = ANY($1)', [ids]);
      });
    }
    // The killed processes' server backends go away as soon as PostgreSQL sees their sockets
    // close; wait for that (bounded), so that the next test file starts on a quiet cluster.
    await step(async () => {
      await heldWithin(
        async () => {
          const [row] = await adminQuery<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'account-graph'",
          );
          return row?.n === 0;
        },
        { timeoutMs: 5_000, intervalMs: 50 },
      );
    });
    if (errors.length > 0) throw errors[0];
  });

  return stack;
}

/** `logsSince` as one line for a test's report. */
export const describeLogs = (logs: Map<string, number>) => [...logs].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none';
