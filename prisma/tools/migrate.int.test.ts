/**
 * deploy / status / resolve through Prisma's own schema engine against the real test
 * PostgreSQL: every case gets its own scratch database (mig_<random>, dropped afterwards)
 * and a scratch copy of Prisma's folder layout (<timestamp>_<name>/migration.sql +
 * migration_lock.toml). Includes the CockroachDB-like failure halfway through a migration:
 * what state it leaves, how it is reported, and how an operator recovers.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminQuery, adminUrl, withClient } from '../../tests/harness/db';
import { deploy, MigrationError, migrationsDir, readMigrations, resolve, status } from './migrate';

const ACCOUNT = migrationsDir('account');
const accountMigrations = readMigrations(ACCOUNT).map((m) => m.name);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const scratchDbs: string[] = [];
const scratchDirs: string[] = [];

async function scratchDb(): Promise<string> {
  const name = `mig_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  scratchDbs.push(name);
  return adminUrl(name);
}

/** A temp migrations folder: a copy of the account migrations plus `extra` ones (name -> SQL). */
function scratchDir(extra: Record<string, string> = {}): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mig-test-')), 'account', 'migrations');
  scratchDirs.push(path.dirname(path.dirname(dir)));
  fs.cpSync(ACCOUNT, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) addMigration(dir, name, sql);
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}
const rows = (url: string) =>
  withClient(
    url,
    async (c) => (await c.query<Row>('SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name')).rows,
  );
const tableExists = (url: string, table: string) =>
  withClient(
    url,
    async (c) => (await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t != null,
  );

afterAll(async () => {
  for (const db of scratchDbs) await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true });
});

test('deploy applies the account migrations once; Prisma records them with their SHA-256 checksums', async () => {
  const url = await scratchDb();
  const first = await deploy(url, scratchDir());
  expect(first.applied).toEqual(accountMigrations);
  const recorded = await rows(url);
  expect(recorded.map((r) => r.migration_name)).toEqual(accountMigrations);
  for (const r of recorded) {
    expect(r.finished_at).not.toBeNull();
    expect(r.checksum).toBe(sha256(fs.readFileSync(path.join(ACCOUNT, r.migration_name, 'migration.sql'), 'utf8')));
  }
  expect(await tableExists(url, 'accounts')).toBe(true);
  const again = await deploy(url, scratchDir());
  expect(again.applied).toEqual([]);
  expect((await status(url, scratchDir())).ok).toBe(true);
});

test('status names a pending migration; deploy then applies it alone', async () => {
  const url = await scratchDb();
  await deploy(url, scratchDir());
  const dir = scratchDir({
    '29990101000000_notes': 'CREATE TABLE "notes" ("id" TEXT NOT NULL, CONSTRAINT "notes_pkey" PRIMARY KEY ("id"));\n',
  });
  const before = await status(url, dir);
  expect(before).toMatchObject({
    ok: false,
    pending: ['29990101000000_notes'],
    failedMigrationNames: [],
    editedMigrationNames: [],
  });
  expect((await deploy(url, dir)).applied).toEqual(['29990101000000_notes']);
  expect((await status(url, dir)).ok).toBe(true);
});

test('an applied migration changed afterwards is reported by status and deploy, and not re-run', async () => {
  const url = await scratchDb();
  const dir = scratchDir({
    '29990101000000_one': 'CREATE TABLE "one" ("id" TEXT NOT NULL, CONSTRAINT "one_pkey" PRIMARY KEY ("id"));\n',
  });
  await deploy(url, dir);
  fs.appendFileSync(
    path.join(dir, '29990101000000_one', 'migration.sql'),
    'CREATE INDEX "one_id_idx" ON "one"("id");\n',
  );
  const st = await status(url, dir);
  expect(st.editedMigrationNames).toEqual(['29990101000000_one']);
  expect(st.ok).toBe(false);
  const logged: string[] = [];
  expect((await deploy(url, dir, (m) => logged.push(m))).edited).toEqual(['29990101000000_one']);
  expect(logged.some((m) => m.includes('29990101000000_one') && /changed after it was applied/.test(m))).toBe(true);
  const idx = await withClient(
    url,
    async (c) => (await c.query("SELECT 1 FROM pg_indexes WHERE indexname = 'one_id_idx'")).rowCount,
  );
  expect(idx).toBe(0);
});

describe('a migration that fails halfway (statement by statement, as on CockroachDB)', () => {
  const NAME = '29990101000000_half';
  // The second statement fails: its foreign key names a table that does not exist.
  const HALF = [
    'CREATE TABLE "half_a" ("id" TEXT NOT NULL, CONSTRAINT "half_a_pkey" PRIMARY KEY ("id"));',
    'CREATE TABLE "half_b" ("id" TEXT NOT NULL REFERENCES "nowhere"("id"));',
    '',
  ].join('\n');
  const FIXED = 'CREATE TABLE "half_b" ("id" TEXT NOT NULL REFERENCES "half_a"("id"));\n';

  let url: string;
  let dir: string;
  beforeAll(async () => {
    url = await scratchDb();
    dir = scratchDir({ [NAME]: HALF });
  });

  test('deploy fails naming the migration and the database error; the first statement stays applied', async () => {
    const err = await deploy(url, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toContain(NAME);
    expect((err as Error).message).toMatch(/No such table: nowhere/); // the database's error, as the adapter reports it
    expect(await tableExists(url, 'half_a')).toBe(true); // no transaction around the file
    expect(await tableExists(url, 'half_b')).toBe(false);
    const row = (await rows(url)).find((r) => r.migration_name === NAME)!;
    expect(row).toMatchObject({ finished_at: null, rolled_back_at: null });
    expect(row.logs).toMatch(/nowhere/);
  });

  test('status reports it as failed, and every later deploy is refused (P3009) until it is resolved', async () => {
    expect(await status(url, dir)).toMatchObject({ ok: false, failedMigrationNames: [NAME] });
    const err = await deploy(url, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).code).toBe('P3009');
    expect((err as Error).message).toContain(NAME);
  });

  test('recovery: finish the statements by hand, resolve it as applied; deploy is clean again', async () => {
    await withClient(url, (c) => c.query(FIXED.replace(/;\n$/, '')));
    await resolve(url, dir, { applied: NAME });
    expect(await status(url, dir)).toMatchObject({ ok: true, failedMigrationNames: [] });
    expect((await deploy(url, dir)).applied).toEqual([]);
    const states = (await rows(url)).filter((r) => r.migration_name === NAME);
    expect(states.map((r) => [r.finished_at !== null, r.rolled_back_at !== null])).toEqual([
      [false, true], // the failed attempt, kept as audit trail
      [true, false], // marked applied
    ]);
  });

  test('or: undo the first statement, resolve it as rolled back, fix the file; deploy runs it again', async () => {
    const url2 = await scratchDb();
    const dir2 = scratchDir({ [NAME]: HALF });
    await expect(deploy(url2, dir2)).rejects.toThrow(MigrationError);
    await withClient(url2, (c) => c.query('DROP TABLE "half_a"'));
    await resolve(url2, dir2, { rolledBack: NAME });
    fs.writeFileSync(path.join(dir2, NAME, 'migration.sql'), HALF.replace('"nowhere"', '"half_a"'));
    expect((await deploy(url2, dir2)).applied).toEqual([NAME]);
    expect(await tableExists(url2, 'half_b')).toBe(true);
    expect((await status(url2, dir2)).ok).toBe(true);
  });
});
