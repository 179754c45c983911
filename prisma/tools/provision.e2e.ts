/**
 * provision.ts on a fresh embedded PostgreSQL of its own (the shared test cluster's users must
 * stay as they are): it is idempotent, and it upgrades a data folder made by its earlier
 * one-user-per-context version (`<context>_svc` owning everything, as `.data/postgres` of an
 * older `npm start` has it): the tables go to the migrator, the app user may use them, the
 * old role is gone, and the migrations then apply as the migrator.
 */
import path from 'node:path';
import fs from 'node:fs';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './local/embedded-postgres';
import { freePort, scratchDir } from './local/scratch';
import { contextFiles, deploy } from './migrate';
import { provision, urlFor } from './provision';

let pg: EmbeddedPostgres;
let dir = '';

async function run<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}
const onDb = (database: string) => {
  const u = new URL(pg.adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
};

beforeAll(async () => {
  dir = scratchDir('provision-test-');
  pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
}, 60_000);

afterAll(async () => {
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('upgrades a one-user-per-context folder, is idempotent, and the migrations apply as the migrator', async () => {
  // What the earlier provision.ts left: account_svc owns the database and its tables.
  await run(pg.adminUrl, `CREATE ROLE account_svc LOGIN PASSWORD 'account_svc_local'`);
  await run(pg.adminUrl, 'CREATE DATABASE account OWNER account_svc');
  await run(pg.adminUrl, 'REVOKE CONNECT ON DATABASE account FROM PUBLIC');
  await run(pg.adminUrl, 'GRANT CONNECT ON DATABASE account TO account_svc');
  const legacy = urlFor(pg.adminUrl, { database: 'account', user: 'account_svc', password: 'account_svc_local' });
  // Its migrations, applied as that user (all but the newest, so that one is left to apply after the upgrade).
  const files = contextFiles('account');
  const newest = fs
    .readdirSync(files.migrationsDir)
    .filter((d) => /^\d/.test(d))
    .sort()
    .at(-1)!;
  fs.cpSync(files.migrationsDir, path.join(dir, 'migrations'), { recursive: true });
  fs.rmSync(path.join(dir, 'migrations', newest), { recursive: true });
  await deploy(legacy, { ...files, migrationsDir: path.join(dir, 'migrations') });
  await run(legacy, `INSERT INTO accounts (id, name) VALUES ('legacy-1', 'legacy')`);

  const first = await provision(pg.adminUrl);
  const again = await provision(pg.adminUrl);
  expect(again).toEqual(first);

  expect(await run(pg.adminUrl, `SELECT 1 FROM pg_roles WHERE rolname = 'account_svc'`)).toEqual([]);
  expect(await run(onDb('account'), `SELECT tableowner FROM pg_tables WHERE tablename = 'accounts'`)).toEqual([
    { tableowner: 'account_migrator' },
  ]);
  expect(await run(first.urls.account, 'SELECT id FROM accounts')).toEqual([{ id: 'legacy-1' }]);
  expect(
    await run(pg.adminUrl, `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'account'`),
  ).toEqual([{ owner: 'account_migrator' }]);

  const report = await deploy(first.migratorUrls.account, files);
  expect(report.applied).toEqual([newest]);
  // The app user reaches what the migrator created, and nothing of the DDL.
  expect(await run(first.urls.account, 'SELECT count(*)::int AS n FROM outbox')).toEqual([{ n: 0 }]);
  await expect(run(first.urls.account, 'DROP TABLE outbox')).rejects.toMatchObject({ code: '42501' });
}, 120_000);
