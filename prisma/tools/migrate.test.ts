/**
 * The migrator against the real test PostgreSQL: every case gets its own scratch
 * database (mig_<random>, dropped afterwards) and, where it edits migrations, a scratch
 * copy of Prisma's folder layout (<timestamp>_<name>/migration.sql + migration_lock.toml)
 * in a temp dir. Checks the `_prisma_migrations` table and row life cycle Prisma's
 * `migrate deploy` expects, skipping, checksum drift, failure handling and the lock.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { adminQuery, adminUrl, withClient } from '../../tests/harness/db';
import { migrate, MigrationError, migrationsDir } from './migrate';

const ACCOUNT = migrationsDir('account');
const accountMigrations = fs.readdirSync(ACCOUNT).filter((n) => fs.statSync(path.join(ACCOUNT, n)).isDirectory()).sort();
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const scratchDbs: string[] = [];
const scratchDirs: string[] = [];

async function scratchDb(): Promise<string> {
  const name = `mig_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  scratchDbs.push(name);
  return adminUrl(name);
}

/** A temp migrations folder holding a copy of the account migrations plus `extra` ones (name -> SQL). */
function scratchDir(extra: Record<string, string> = {}, withAccount = true): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mig-test-')), 'migrations');
  scratchDirs.push(path.dirname(dir));
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(ACCOUNT, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
  if (withAccount) for (const m of accountMigrations) addMigration(dir, m, fs.readFileSync(path.join(ACCOUNT, m, 'migration.sql'), 'utf8'));
  for (const [name, sql] of Object.entries(extra)) addMigration(dir, name, sql);
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const rows = (url: string) =>
  withClient(url, async (c) => (await c.query<MigrationRow>('SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name')).rows);
const tableExists = (url: string, table: string) =>
  withClient(url, async (c) => (await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t != null);

afterAll(async () => {
  for (const db of scratchDbs) await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('(a) applies the account migrations and records them exactly as Prisma does', async () => {
  const url = await scratchDb();
  const report = await migrate(url, ACCOUNT);
  expect(accountMigrations.length).toBeGreaterThan(0);
  expect(report).toMatchObject({ context: 'account', applied: accountMigrations, skipped: [], modified: [], unknown: [] });
  expect(await tableExists(url, 'accounts')).toBe(true);
  expect(await tableExists(url, 'quotes')).toBe(true);

  const recorded = await rows(url);
  expect(recorded.map((r) => r.migration_name)).toEqual(accountMigrations);
  for (const r of recorded) {
    expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.checksum).toBe(sha256(path.join(ACCOUNT, r.migration_name, 'migration.sql')));
    expect(r.finished_at).toBeInstanceOf(Date);
    expect(r.finished_at!.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
    expect(r).toMatchObject({ applied_steps_count: 1, logs: null, rolled_back_at: null });
  }

  const columns = await withClient(url, async (c) =>
    (
      await c.query(
        `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
           FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      )
    ).rows,
  );
  expect(columns).toEqual([
    { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
    { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
    { column_name: 'finished_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
    { column_name: 'migration_name', data_type: 'character varying', len: 255, is_nullable: 'NO', column_default: null },
    { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
    { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
    { column_name: 'started_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'NO', column_default: 'now()' },
    { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
  ]);
  const pk = await withClient(url, async (c) =>
    (
      await c.query<{ column_name: string }>(
        `SELECT k.column_name FROM information_schema.table_constraints t
           JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
          WHERE t.table_name = '_prisma_migrations' AND t.constraint_type = 'PRIMARY KEY'`,
      )
    ).rows,
  );
  expect(pk).toEqual([{ column_name: 'id' }]);
});

test('(b) a second run applies nothing and reports every migration as skipped', async () => {
  const url = await scratchDb();
  await migrate(url, ACCOUNT);
  const before = await rows(url);
  const report = await migrate(url, ACCOUNT);
  expect(report).toMatchObject({ applied: [], skipped: accountMigrations, modified: [], unknown: [] });
  expect(await rows(url)).toEqual(before);
});

test('(c) a migration added later is applied alone', async () => {
  const url = await scratchDb();
  const dir = scratchDir();
  await migrate(url, dir);
  const later = '29990101000000_add_notes';
  addMigration(dir, later, 'CREATE TABLE "notes" ("id" TEXT NOT NULL PRIMARY KEY);\n');
  const report = await migrate(url, dir);
  expect(report.applied).toEqual([later]);
  expect(report.skipped).toEqual(accountMigrations);
  expect(await tableExists(url, 'notes')).toBe(true);
  const recorded = await rows(url);
  expect(recorded.map((r) => r.migration_name)).toEqual([...accountMigrations, later]);
  expect(recorded.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
});

test('(d) an applied migration edited afterwards is reported as modified and not re-run', async () => {
  const url = await scratchDb();
  const dir = scratchDir({ '29990101000000_one': 'CREATE TABLE "one" ("id" INT4 PRIMARY KEY);\n' });
  await migrate(url, dir);
  const file = path.join(dir, '29990101000000_one', 'migration.sql');
  const original = sha256(file);
  fs.appendFileSync(file, 'CREATE TABLE "sneaked_in" ("id" INT4 PRIMARY KEY);\n');
  const logged: string[] = [];
  const report = await migrate(url, dir, (msg) => logged.push(msg));
  expect(report.modified).toEqual(['29990101000000_one']);
  expect(report.skipped).toContain('29990101000000_one');
  expect(report.applied).toEqual([]);
  expect(logged.some((m) => m.includes('29990101000000_one') && /modified/.test(m))).toBe(true);
  expect(await tableExists(url, 'sneaked_in')).toBe(false);
  const row = (await rows(url)).find((r) => r.migration_name === '29990101000000_one');
  expect(row?.checksum).toBe(original);
});

test('(e) a failing migration leaves nothing behind, keeps its error, and blocks later runs', async () => {
  const url = await scratchDb();
  const bad = '29990102000000_bad';
  const dir = scratchDir({
    '29990101000000_good': 'CREATE TABLE "good" ("id" INT4 PRIMARY KEY);\n',
    [bad]: 'CREATE TABLE "partial" ("id" INT4 PRIMARY KEY);\nSELECT * FROM "no_such_table";\n',
  });
  const err = await migrate(url, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MigrationError);
  expect((err as MigrationError).migration).toBe(bad);
  expect((err as MigrationError).message).toContain(bad);
  expect((err as MigrationError).message).toContain('relation "no_such_table" does not exist');

  expect(await tableExists(url, 'good')).toBe(true);
  expect(await tableExists(url, 'partial')).toBe(false);
  const failed = (await rows(url)).find((r) => r.migration_name === bad);
  expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
  expect(failed?.logs).toContain('relation "no_such_table" does not exist');

  // Even with the script fixed, the unresolved failure must be resolved first (Prisma's P3009).
  fs.writeFileSync(path.join(dir, bad, 'migration.sql'), 'CREATE TABLE "partial" ("id" INT4 PRIMARY KEY);\n');
  await expect(migrate(url, dir)).rejects.toThrow(/prisma migrate resolve/);
  await expect(migrate(url, dir)).rejects.toMatchObject({ migration: bad });
  expect(await tableExists(url, 'partial')).toBe(false);
});

test('(f) concurrent runs on one database apply each migration once', async () => {
  const url = await scratchDb();
  const [r1, r2] = await Promise.all([migrate(url, ACCOUNT), migrate(url, ACCOUNT)]);
  expect([...r1.applied, ...r2.applied].sort()).toEqual(accountMigrations);
  expect([r1.applied.length, r2.applied.length].sort()).toEqual([0, accountMigrations.length]);
  const recorded = await rows(url);
  expect(recorded.map((r) => r.migration_name)).toEqual(accountMigrations);
  expect(recorded.every((r) => r.finished_at !== null)).toBe(true);
});

test('(f) migrate waits for Prisma\'s advisory lock before touching the database', async () => {
  const url = await scratchDb();
  const holder = new Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock(72707369)');
    let settled = false;
    const run = migrate(url, ACCOUNT).finally(() => (settled = true));
    run.catch(() => undefined);
    // Wait until the migrator's session is queued on the lock (no clock involved); a
    // migrator that does not wait settles first and fails the assertion below.
    while (!settled) {
      const { rows: waiting } = await holder.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND NOT granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      if (waiting.length > 0) break;
      await new Promise((r) => setImmediate(r));
    }
    expect(settled).toBe(false);
    expect(await tableExists(url, '_prisma_migrations')).toBe(false);
    await holder.query('SELECT pg_advisory_unlock(72707369)');
    expect((await run).applied).toEqual(accountMigrations);
  } finally {
    await holder.end();
  }
});
