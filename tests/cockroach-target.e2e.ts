/**
 * The CockroachDB-flavoured target (tests/harness/cockroach-proxy.ts: a real PostgreSQL that
 * answers version() as CockroachDB v25.2 and accepts its session settings), on a scratch
 * embedded PostgreSQL provisioned as deploy/sql does and NOT migrated: everything below goes
 * through the proxy. The migration commands as an operator runs them (real processes), with
 * a migration that fails halfway and its recovery; the seed; the write path and the relay with
 * DATABASE_DIALECT=cockroachdb; two relays sharing one backlog with the CockroachDB claim.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '../generated/account/client';
import { CONTEXTS, type ContextName } from '../platform/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../prisma/tools/local/embedded-postgres';
import { freePort, scratchDir } from '../prisma/tools/local/scratch';
import { provision } from '../prisma/tools/provision';
import { ack, claim } from '../subgraphs/account/outbox/store';
import { connectDatabase } from '../subgraphs/kit/database';
import { startCockroachProxy, type CockroachProxy } from './harness/cockroach-proxy';
import { runCli } from './harness/cli';
import { withClient } from './harness/db';
import { eventually } from './harness/eventually';
import { startStack } from './harness/stack';

jest.setTimeout(240_000);

const OUTBOX = '20261126130000_outbox';
let dir: string;
let pg: EmbeddedPostgres;
let proxy: CockroachProxy;
let app: Record<ContextName, string>;
let migrator: Record<ContextName, string>;

const through = (urls: Record<ContextName, string>) =>
  Object.fromEntries(CONTEXTS.map((c) => [c, proxy.urlFor(urls[c])])) as Record<ContextName, string>;
const envOf = (urls: Record<ContextName, string>) =>
  Object.fromEntries(CONTEXTS.map((c) => [`${c.toUpperCase()}_DATABASE_URL`, urls[c]]));
const run = (script: string, urls: Record<ContextName, string>, ...args: string[]) =>
  runCli(script, envOf(urls), ...args);
const adminOf = (database: string) => {
  const u = new URL(pg.adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
};
const migrate = (...args: string[]) => run('prisma/tools/migrate-cli.ts', migrator, ...args);

beforeAll(async () => {
  dir = scratchDir('crdb-target-');
  pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
  const provisioned = await provision(pg.adminUrl);
  proxy = await startCockroachProxy(pg.adminUrl);
  app = through(provisioned.urls);
  migrator = through(provisioned.migratorUrls);
});

afterAll(async () => {
  await proxy?.close();
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the proxy presents CockroachDB v25.2 and accepts its session settings', async () => {
  await withClient(migrator.account, async (c) => {
    expect((await c.query('SELECT version() AS v')).rows[0].v).toMatch(/^CockroachDB CCL v25\.2\./);
    await c.query('SET enable_implicit_transaction_for_batch_statements = false');
  });
});

describe('the migration commands, through the CockroachDB-flavoured target', () => {
  test('a migration that fails halfway: deploy exits 1 naming it, the statements before it stay applied', async () => {
    // The outbox migration's third statement fails: an event trigger (the admin's, outside the
    // schema Prisma checks) refuses that one CREATE INDEX.
    await withClient(adminOf('account'), (c) =>
      c.query(`CREATE SCHEMA fault;
        CREATE FUNCTION fault.block() RETURNS event_trigger LANGUAGE plpgsql AS $$
          BEGIN IF current_query() ~ 'outbox_delivered_at_next_attempt_at_idx' THEN RAISE EXCEPTION 'blocked by the test'; END IF; END $$;
        CREATE EVENT TRIGGER block_index ON ddl_command_start WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION fault.block()`),
    );
    const deploy = await migrate('deploy');
    expect(deploy.status).toBe(1);
    expect(deploy.stderr).toContain(OUTBOX);
    expect(deploy.stderr).toContain('blocked by the test');
    const tables = await withClient(migrator.account, async (c) =>
      (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map(
        (r) => r.t,
      ),
    );
    expect(tables).toContain('outbox'); // applied statement by statement, as on CockroachDB
  });

  test('status exits 1 and lists it as FAILED; deploy refuses again until it is resolved', async () => {
    const status = await migrate('status');
    expect(status.status).toBe(1);
    expect(status.stdout).toContain(`FAILED (blocks deploy): ${OUTBOX}`);
    const again = await migrate('deploy');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/P3009|failed migrations/);
  });

  test('recovery: finish it by hand, resolve --applied; then deploy and status exit 0', async () => {
    await withClient(adminOf('account'), (c) => c.query('DROP EVENT TRIGGER block_index; DROP SCHEMA fault CASCADE'));
    await withClient(migrator.account, (c) =>
      c.query('CREATE INDEX "outbox_delivered_at_next_attempt_at_idx" ON "outbox"("delivered_at", "next_attempt_at")'),
    );
    const resolve = await migrate('resolve', '--context', 'account', '--applied', OUTBOX);
    expect([resolve.status, resolve.stdout.trim()]).toEqual([0, `account: recorded ${OUTBOX} as applied`]);
    const deploy = await migrate('deploy');
    expect([deploy.status, deploy.stderr]).toEqual([0, '']);
    expect(deploy.stdout).toMatch(/^data: applied /m);
    const status = await migrate('status');
    expect(status.stdout).toMatch(/^account: up to date\ndata: up to date\nimage: up to date$/m);
    expect(status.status).toBe(0);
  });

  test('the app users may not read or change the migration history; they do DML on the tables', async () => {
    for (const c of CONTEXTS) {
      const denied = await withClient(app[c], (db) =>
        db.query('SELECT 1 FROM _prisma_migrations').then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        ),
      );
      expect([c, denied]).toEqual([c, '42501']);
    }
    await withClient(app.account, (db) => db.query('SELECT count(*) FROM accounts'));
  });

  test("Prisma's engine took its CockroachDB path: its session setting, no advisory lock", () => {
    expect(proxy.seen.some((s) => /enable_experimental_alter_column_type_general/.test(s))).toBe(true);
    expect(proxy.seen.filter((s) => /pg_advisory_lock/.test(s))).toEqual([]);
  });
});

test('db:seed through the target', async () => {
  const seed = await run('prisma/tools/seed-cli.ts', app, '--accounts', '20');
  expect(seed.status).toBe(0);
  const n = await withClient(
    app.account,
    async (c) => (await c.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n,
  );
  expect(n).toBeGreaterThanOrEqual(20);
});

test('the write path and the relay with DATABASE_DIALECT=cockroachdb: the hinted claim is what runs', async () => {
  const stack = await startStack({ urls: app, env: { DATABASE_DIALECT: 'cockroachdb' } });
  try {
    const created = await stack.query<any>('mutation { createAccount(name: "Roach Path") { id } }');
    const id = created.data?.createAccount?.id as string;
    expect(id).toEqual(expect.any(String));
    await eventually(
      async () => {
        const view = await stack.query<any>('query($id: ID!) { account(id: $id) { events { eventName } } }', { id });
        return view.data?.account?.events?.length === 1;
      },
      { what: 'the CREATED event delivered to the data context' },
    );
    expect(proxy.seen.some((s) => /FROM outbox@outbox_claim_idx AS o/.test(s))).toBe(true);
    expect(proxy.seen.some((s) => /^\s*WITH picked AS MATERIALIZED \(\s*SELECT o\.id FROM outbox AS o/.test(s))).toBe(
      false,
    );
  } finally {
    await stack.stop();
  }
});

test('two relays share a backlog through the target with the CockroachDB claim: each row once, both get rows', async () => {
  const dbs = [0, 1].map(() => connectDatabase(PrismaClient, app.account, 3, { dialect: 'cockroachdb' }));
  try {
    const prisma = dbs[0]!.prisma;
    const base = Date.UTC(2024, 0, 1);
    const data = Array.from({ length: 100 }, (_, a) =>
      [1, 2].map((seq) => ({
        id: `two-${a}-${seq}`,
        accountId: `two-${a}`,
        seq: BigInt(seq),
        eventName: 'CREATED',
        occurredAt: new Date(base + seq * 1000 + a),
      })),
    ).flat();
    await prisma.outboxEvent.createMany({ data });
    const got: Record<string, string[]> = { r1: [], r2: [] };
    const take = async (relay: 'r1' | 'r2', db: (typeof dbs)[number]) => {
      const rows = await claim(db.prisma, relay, 10, 60_000);
      got[relay]!.push(...rows.map((r) => r.id));
      await ack(
        db.prisma,
        relay,
        rows.map((r) => r.id),
      );
    };
    for (let round = 0; round < 50; round++) {
      if ((await prisma.outboxEvent.count({ where: { accountId: { startsWith: 'two-' }, deliveredAt: null } })) === 0)
        break;
      await Promise.all([take('r1', dbs[0]!), take('r2', dbs[1]!)]);
    }
    const all = [...got.r1!, ...got.r2!];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(data.map((d) => d.id).sort());
    expect(got.r1!.length).toBeGreaterThan(0);
    expect(got.r2!.length).toBeGreaterThan(0);
  } finally {
    await Promise.all(dbs.map((d) => d.close()));
  }
});
