/**
 * Runs the real deploy/sql/setup.sh (the sql-setup job of compose and k8s) against the
 * embedded PostgreSQL of jest's global setup, with a stand-in `cockroach` CLI that sends the
 * SQL it is piped to that server, under test-unique database and user names. Then applies
 * each context's real migrations as its migrator user and checks the privileges: the app
 * user does DML on its own tables (also on tables created later), no DDL, and cannot
 * connect to another context's database; the migrator does DDL in its own database only.
 * CockroachDB itself is not here: its `IF NOT EXISTS` variant is not exercised.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { migrate, migrationsDir, readMigrations } from '../prisma/tools/migrate';
import { urlFor } from '../prisma/tools/provision';
import { adminQuery, adminUrl, withClient } from '../tests/harness/db';
import { CONTEXTS, repoPath, type ContextName } from './testing/helpers';

const run = promisify(execFile);
const suffix = `dt${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const db = (c: ContextName) => `${suffix}_${c}`;
const password = (c: ContextName, who: 'migrator' | 'app') => `${who}-${c}-${suffix}'pw`; // a quote: setup.sh must escape it
const urlOf = (c: ContextName, who: 'migrator' | 'app', database = db(c)) =>
  urlFor(adminUrl(), { database, user: `${db(c)}_${who}`, password: password(c, who) });
// One table each context's migrations create, and a row for it.
const probe: Record<ContextName, { table: string; insert: string; key: string }> = {
  account: { table: 'accounts', insert: `INSERT INTO accounts (id, name) VALUES ('t1', 'Probe')`, key: 'id' },
  data: {
    table: 'account_events',
    insert: `INSERT INTO account_events (id, account_id, event_name) VALUES ('t1', 'a1', 'CREATED')`,
    key: 'id',
  },
  image: {
    table: 'account_images',
    insert: `INSERT INTO account_images (account_id, url) VALUES ('t1', 'http://x')`,
    key: 'account_id',
  },
};

let tmp = '';
let log = '';

/** A `cockroach` CLI stand-in: `cockroach sql [--database=X] ...` runs the piped statements on the test server. */
function fakeCockroach(): string {
  const file = path.join(tmp, 'cockroach');
  fs.writeFileSync(
    file,
    `#!${process.execPath}
const fs = require('fs');
const { Client } = require(${JSON.stringify(require.resolve('pg'))});
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_COCKROACH_LOG, JSON.stringify(args) + '\\n');
const url = new URL(process.env.FAKE_COCKROACH_ADMIN_URL);
const database = args.find((a) => a.startsWith('--database='));
if (database) url.pathname = '/' + database.slice('--database='.length);
const query = args.indexOf('-e') >= 0 ? args[args.indexOf('-e') + 1] : undefined;
if (process.env.FAKE_COCKROACH_DRY) {
  if (query) {
    // A lookup (setup.sh's -e): what the server would print as CSV, from FAKE_COCKROACH_ANSWER.
    fs.appendFileSync(process.env.FAKE_COCKROACH_DRY, JSON.stringify({ args, sql: query, lookup: true }) + '\\n');
    process.stdout.write('n\\n' + (process.env.FAKE_COCKROACH_ANSWER || '0') + '\\n');
    process.exit(0);
  }
}
const statements = fs.readFileSync(0, 'utf8').split('\\n').filter((l) => !/^\\s*--/.test(l)).join('\\n')
  .split(';').map((s) => s.trim()).filter(Boolean);
if (process.env.FAKE_COCKROACH_DRY) {
  fs.appendFileSync(process.env.FAKE_COCKROACH_DRY, statements.map((s) => JSON.stringify({ args, sql: s }) + '\\n').join(''));
  process.exit(0);
}
(async () => {
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try { for (const s of statements) await client.query(s); } finally { await client.end(); }
})().catch((err) => { console.error('ERROR: ' + err.message); process.exit(1); });
`,
    { mode: 0o755 },
  );
  return file;
}

function setupEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    COCKROACH_BIN: fakeCockroach(),
    COCKROACH_HOST: 'haproxy:26257',
    FAKE_COCKROACH_ADMIN_URL: adminUrl(),
    FAKE_COCKROACH_LOG: log,
    SETUP_CONTEXTS: CONTEXTS.map(db).join(' '),
    MAINTENANCE_DATABASES: 'postgres', // PostgreSQL's; CockroachDB's default adds defaultdb
    SQL_IF_NOT_EXISTS: '', // PostgreSQL has no CREATE USER / DATABASE IF NOT EXISTS
    CLUSTER_SETTINGS: 'false', // PostgreSQL has no cluster settings (dry runs below check them)
  };
  for (const c of CONTEXTS) {
    env[`${db(c).toUpperCase()}_MIGRATOR_PASSWORD`] = password(c, 'migrator');
    env[`${db(c).toUpperCase()}_APP_PASSWORD`] = password(c, 'app');
  }
  return env;
}

const sqlState = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sql-setup-'));
  log = path.join(tmp, 'calls.log');
  const out = await run('bash', [repoPath('deploy/sql/setup.sh')], { env: setupEnv() });
  expect(out.stdout).toContain('sql setup done');
}, 120_000);

afterAll(async () => {
  for (const c of CONTEXTS) await adminQuery(`DROP DATABASE IF EXISTS "${db(c)}" WITH (FORCE)`);
  for (const c of CONTEXTS)
    for (const who of ['app', 'migrator']) await adminQuery(`DROP ROLE IF EXISTS "${db(c)}_${who}"`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('setup.sh talks to the load balancer given, per database for the database part', () => {
  const calls = fs
    .readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
  // Secure or not is the CLI's own COCKROACH_CERTS_DIR / COCKROACH_INSECURE, not a flag here.
  for (const args of calls) expect(args.slice(0, 2)).toEqual(['sql', '--host=haproxy:26257']);
  for (const c of CONTEXTS) expect(calls).toContainEqual(['sql', '--host=haproxy:26257', `--database=${db(c)}`]);
  expect(calls).toHaveLength(CONTEXTS.length * 4 + 2); // cluster part, database part, two passwords; maintenance: CONNECT, schema
  expect(calls).toContainEqual(['sql', '--host=haproxy:26257', '--database=postgres']);
});

test('each database is owned by its migrator; only its two users may connect', async () => {
  for (const c of CONTEXTS) {
    const [row] = await adminQuery<{ owner: string; acl: string }>(
      `SELECT pg_get_userbyid(datdba) AS owner, datacl::text AS acl FROM pg_database WHERE datname = $1`,
      [db(c)],
    );
    expect(row?.owner).toBe(`${db(c)}_migrator`);
    const grantees = (row?.acl ?? '')
      .replace(/[{}"]/g, '')
      .split(',')
      .map((e) => e.split('=')[0]);
    expect(grantees.sort()).toEqual([`${db(c)}_app`, `${db(c)}_migrator`]); // no PUBLIC ("=...") entry
  }
});

describe.each(CONTEXTS.map((c) => [c]))('%s', (c) => {
  test('the migrator applies the context’s real migrations (DDL)', async () => {
    const report = await migrate(urlOf(c, 'migrator'), migrationsDir(c));
    expect(report.applied).toEqual(readMigrations(migrationsDir(c)).map((m) => m.name));
  });

  test('the app user does DML on the tables the migrator created', async () => {
    const p = probe[c];
    await withClient(urlOf(c, 'app'), async (app: Client) => {
      await app.query(p.insert);
      expect((await app.query(`SELECT count(*)::int AS n FROM ${p.table} WHERE ${p.key} = 't1'`)).rows[0]).toEqual({
        n: 1,
      });
      expect((await app.query(`UPDATE ${p.table} SET ${p.key} = 't2' WHERE ${p.key} = 't1'`)).rowCount).toBe(1);
      expect((await app.query(`DELETE FROM ${p.table} WHERE ${p.key} = 't2'`)).rowCount).toBe(1);
    });
  });

  test('the app user cannot change the schema', async () => {
    await withClient(urlOf(c, 'app'), async (app: Client) => {
      expect(await sqlState(app.query('CREATE TABLE app_made (id INT PRIMARY KEY)'))).toBe('42501');
      expect(await sqlState(app.query('CREATE SCHEMA app_schema'))).toBe('42501');
      expect(await sqlState(app.query(`ALTER TABLE ${probe[c].table} ADD COLUMN extra TEXT`))).toBe('42501');
      expect(await sqlState(app.query(`DROP TABLE ${probe[c].table}`))).toBe('42501');
      expect(await sqlState(app.query('CREATE TEMP TABLE app_tmp (id INT)'))).toBe('42501');
    });
  });

  test('a table the migrator creates later is covered by the default privileges', async () => {
    await withClient(urlOf(c, 'migrator'), (m: Client) =>
      m.query('CREATE TABLE later_table (id TEXT PRIMARY KEY, n INT)'),
    );
    await withClient(urlOf(c, 'app'), async (app: Client) => {
      await app.query(`INSERT INTO later_table (id, n) VALUES ('a', 1)`);
      await app.query(`UPDATE later_table SET n = 2 WHERE id = 'a'`);
      expect((await app.query('SELECT n FROM later_table')).rows).toEqual([{ n: 2 }]);
      await app.query('DELETE FROM later_table');
    });
    await withClient(urlOf(c, 'migrator'), (m: Client) => m.query('DROP TABLE later_table'));
  });

  test('neither user can connect to another context’s database', async () => {
    for (const other of CONTEXTS.filter((o) => o !== c)) {
      for (const who of ['app', 'migrator'] as const) {
        expect([who, other, await sqlState(withClient(urlOf(c, who, db(other)), (x) => x.query('SELECT 1')))]).toEqual([
          who,
          other,
          '42501',
        ]);
      }
    }
  });
});

test('a failing statement fails the job (re-running on PostgreSQL: the users exist)', async () => {
  const failed = await run('bash', [repoPath('deploy/sql/setup.sh')], { env: setupEnv() }).then(
    () => undefined,
    (err: { code?: number; stderr?: string }) => err,
  );
  expect(failed?.code).not.toBe(0);
  expect(failed?.stderr).toMatch(/ERROR: .*already exists/);
});

describe('cluster settings and licence (dry runs: the statements setup.sh sends, PostgreSQL has no cluster settings)', () => {
  async function dryRun(extra: NodeJS.ProcessEnv) {
    const file = path.join(tmp, `dry-${Math.random().toString(36).slice(2)}.log`);
    const env = {
      ...setupEnv(),
      CLUSTER_SETTINGS: 'true',
      SETUP_CONTEXTS: '',
      MAINTENANCE_DATABASES: '',
      FAKE_COCKROACH_DRY: file,
      ...extra,
    };
    const out = await run('bash', [repoPath('deploy/sql/setup.sh')], { env });
    const sent = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { sql: string }).sql);
    const settings = Object.fromEntries(
      sent
        .map((s) => /^SET CLUSTER SETTING ([\w.]+) = (.*)$/s.exec(s))
        .filter((m) => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    return { settings, stderr: out.stderr, sent };
  }

  test('the licence and organisation from the environment (a Secret), telemetry on, drain settings, READ COMMITTED', async () => {
    const { settings, stderr } = await dryRun({
      COCKROACH_LICENSE_KEY: "crl-0-key'with-quote",
      COCKROACH_ORGANIZATION: 'Acme',
    });
    expect(settings).toEqual({
      'server.shutdown.initial_wait': "'15s'",
      'server.shutdown.connections.timeout': "'150s'",
      'server.shutdown.transactions.timeout': "'75s'",
      'sql.txn.read_committed_isolation.enabled': 'true',
      'diagnostics.reporting.enabled': 'true',
      'cluster.organization': "'Acme'",
      'enterprise.license': "'crl-0-key''with-quote'",
    });
    expect(stderr).not.toMatch(/WARNING/);
  });

  test('drain settings follow the environment; telemetry off only when asked; no licence only when allowed, loudly', async () => {
    const { settings, stderr } = await dryRun({
      SHUTDOWN_INITIAL_WAIT: '20s',
      SHUTDOWN_CONNECTIONS_TIMEOUT: '120s',
      COCKROACH_TELEMETRY: 'false',
      ALLOW_UNLICENSED: 'true',
    });
    expect(settings).toMatchObject({
      'server.shutdown.initial_wait': "'20s'",
      'server.shutdown.connections.timeout': "'120s'",
      'diagnostics.reporting.enabled': 'false',
    });
    expect(settings['enterprise.license']).toBeUndefined();
    expect(stderr).toMatch(/WARNING: no COCKROACH_LICENSE_KEY \(ALLOW_UNLICENSED=true\): CockroachDB throttles/);
    const bad = await dryRun({ COCKROACH_TELEMETRY: 'maybe', COCKROACH_LICENSE_KEY: 'k' }).then(
      () => 'ran',
      (err: { code?: number }) => err.code,
    );
    expect(bad).toBe(2);
  });

  const refused = (extra: NodeJS.ProcessEnv) =>
    dryRun(extra).then(
      () => ({ code: 0, stderr: '', sent: 'ran' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '', sent: 'nothing' }),
    );

  test('no licence: the job fails before changing anything, saying how to go on', async () => {
    const r = await refused({});
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /no COCKROACH_LICENSE_KEY: CockroachDB throttles an unlicensed cluster to 5 concurrent transactions 7 days after init; .*ALLOW_UNLICENSED=true/,
    );
  });

  test('secure mode (the default): a context user without a password fails the job before anything is changed', async () => {
    const r = await refused({ COCKROACH_LICENSE_KEY: 'k', SETUP_CONTEXTS: 'account', ACCOUNT_APP_PASSWORD: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /secure mode: ACCOUNT_MIGRATOR_PASSWORD is empty.*Secret account-db, key migrator-password/,
    );
    // The insecure demo needs none.
    const demo = await refused({ COCKROACH_LICENSE_KEY: 'k', SETUP_CONTEXTS: '', COCKROACH_INSECURE: 'true' });
    expect(demo.code).toBe(0);
  });

  test('the migrator creates tables unlocked where the server has create_table_with_schema_locked (v26.1 turns it on)', async () => {
    const env = {
      COCKROACH_LICENSE_KEY: 'k',
      SETUP_CONTEXTS: 'ctxa',
      CTXA_APP_PASSWORD: 'a',
      CTXA_MIGRATOR_PASSWORD: 'm',
    };
    const has = await dryRun({ ...env, FAKE_COCKROACH_ANSWER: '1' });
    expect(has.sent).toContain('ALTER ROLE "ctxa_migrator" SET create_table_with_schema_locked = false');
    const hasNot = await dryRun({ ...env, FAKE_COCKROACH_ANSWER: '0' });
    expect(hasNot.sent.filter((s) => /schema_locked/.test(s) && !/pg_settings/.test(s))).toEqual([]);
    expect(hasNot.sent).toContainEqual(
      expect.stringMatching(/FROM pg_catalog\.pg_settings WHERE name = 'create_table_with_schema_locked'/),
    );
  });
});

test.each(CONTEXTS)('%s: the app user’s sessions carry statement and idle-in-transaction timeouts', async (c) => {
  const settings = await withClient(
    urlOf(c, 'app'),
    async (app: Client) =>
      (
        await app.query(
          `SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`,
        )
      ).rows[0],
  );
  expect(settings).toEqual({ st: '10s', idle: '1min' });
});
