/**
 * The schema check's Prisma step (Prisma's own migrate diff, migrations → schema) and
 * `db:migration:create`, against the test PostgreSQL (shadow databases created and dropped
 * there), on copies of a context's schema and migrations changed on purpose. Plus the
 * statement rules on the real migration files and on bad ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { adminQuery, adminUrl } from '../../tests/harness/db';
import { copyPrisma, removeCopies, type PrismaCopy } from '../../tests/harness/schema-copies';
import { createMigration, nextTimestamp, portableTypes } from './migration-create';
import { checkMigration } from './migration-rules';
import { checkMigrationRules, checkSchemaDrift, defaultDriftTargets } from './schema-drift';

afterAll(removeCopies);

const LATER = '20991231000000_test';
const targetOf = (copy: PrismaCopy) => ({
  context: copy.context,
  schemaPath: copy.schemaPath,
  migrationsDir: copy.migrationsDir,
});
const drift = (copy: PrismaCopy) => checkSchemaDrift([targetOf(copy)], { adminUrl: adminUrl() });

describe('Prisma drift (migrate diff, migrations → schema)', () => {
  it('the real schemas match their migrations, and no shadow database is left behind', async () => {
    const outcome = await checkSchemaDrift(defaultDriftTargets(), { adminUrl: adminUrl() });
    expect(outcome.problems).toEqual([]);
    expect(outcome.notes.join('\n')).toMatch(
      /account: \d+ migration\(s\) build exactly what prisma\/account\/schema\.prisma describes/,
    );
    expect(await adminQuery("SELECT datname FROM pg_database WHERE datname LIKE 'prisma\\_shadow\\_%'")).toEqual([]);
  });

  it('a model field without its migration is found and named', async () => {
    const copy = copyPrisma('account');
    copy.editSchema(
      '  attempts      Int       @default(0)',
      '  attempts      Int       @default(0)\n  priority      Int       @default(0)',
    );
    const { problems } = await drift(copy);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/differ/);
    expect(problems[0]!.detail!.join('\n')).toMatch(/Changed the `outbox` table[\s\S]*Added column `priority`/);
  });

  it('a migration the models lack (an extra index) is found and named', async () => {
    const copy = copyPrisma('image');
    copy.addMigration(LATER, 'CREATE INDEX "account_images_url_idx" ON "account_images"("url");\n');
    const { problems } = await drift(copy);
    expect(problems.map((p) => p.detail!.join('\n')).join('\n')).toMatch(
      /Changed the `account_images` table[\s\S]*Removed index on columns \(url\)/,
    );
  });

  it("an invalid schema fails with Prisma's own message; a failing migration fails", async () => {
    const invalid = copyPrisma('image');
    invalid.editSchema('url       String', 'url       Strin');
    expect((await drift(invalid)).problems[0]!.message).toMatch(/Strin/);
    const broken = copyPrisma('image');
    broken.addMigration(LATER, 'ALTER TABLE "no_such_table" ADD COLUMN "x" TEXT;\n');
    expect((await drift(broken)).problems[0]!.message).toMatch(/no_such_table/);
  });
});

describe('db:migration:create (migrate dev --create-only)', () => {
  it('writes the migration Prisma generates for a new column, in the types both databases read alike', async () => {
    const copy = copyPrisma('account');
    copy.editSchema(
      '  name      String\n',
      '  name      String\n  nickname  String?\n  logins    Int      @default(0)\n',
    );
    const created = await createMigration(targetOf(copy), 'add_nickname', adminUrl(), new Date('2099-12-31T00:00:00Z'));
    expect(created!.name).toMatch(/^\d{14}_add_nickname$/);
    expect(created!.sql).toMatch(
      /ALTER TABLE "accounts" ADD COLUMN\s+"logins" INT4 NOT NULL DEFAULT 0,\s*ADD COLUMN\s+"nickname" TEXT;/,
    );
    expect(fs.readFileSync(path.join(copy.migrationsDir, created!.name, 'migration.sql'), 'utf8')).toBe(created!.sql);
    expect((await drift(copy)).problems).toEqual([]); // the folder now builds the models
    expect(await createMigration(targetOf(copy), 'again', adminUrl())).toBeUndefined(); // nothing left to migrate
  });

  it('refuses, writing nothing, a change of two tables at once', async () => {
    const copy = copyPrisma('account');
    copy.editSchema('  name      String\n', '  name      String\n  nickname  String?\n');
    copy.editSchema('  text     String\n', '  text     String\n  author   String?\n');
    const before = fs.readdirSync(copy.migrationsDir);
    await expect(createMigration(targetOf(copy), 'two_tables', adminUrl())).rejects.toThrow(
      /one schema change at a time/,
    );
    expect(fs.readdirSync(copy.migrationsDir)).toEqual(before);
  });

  it('names sort after every existing migration', () => {
    const copy = copyPrisma('image');
    copy.addMigration('20991231235959_last', 'SELECT 1;\n');
    expect(nextTimestamp(copy.migrationsDir, new Date('2026-01-01T00:00:00Z'))).toBe('21000101000000');
    expect(portableTypes('"n" INTEGER, "b" BIGINT, "s" SMALLINT, \'INTEGER\', "INTEGER"')).toBe(
      '"n" INT4, "b" INT8, "s" INT2, \'INTEGER\', "INTEGER"',
    );
  });
});

describe('statement rules (alike on PostgreSQL and CockroachDB)', () => {
  it('the real migrations keep them', () => {
    expect(checkMigrationRules()).toEqual([]);
  });

  it('flags two tables in one file, transaction control, INTEGER/SERIAL/STRING and a ; the adapter would cut', () => {
    const msgs = (sql: string) => checkMigration('account', 'x', sql).map((p) => p.message);
    expect(msgs('CREATE TABLE "a" ("id" TEXT);\nCREATE INDEX "a_i" ON "a"("id");\n')).toEqual([]);
    expect(msgs('ALTER TABLE "a" ADD COLUMN "x" TEXT;\nALTER TABLE "b" ADD COLUMN "y" TEXT;')).toEqual([
      expect.stringMatching(/changes 2 tables \(a, b\)/),
    ]);
    expect(msgs('BEGIN;\nALTER TABLE "a" ADD COLUMN "x" TEXT;\nCOMMIT;').join('\n')).toMatch(/transaction control/);
    expect(msgs('ALTER TABLE "a" ADD COLUMN "x" INTEGER;')).toEqual([expect.stringMatching(/INT4 or INT8/)]);
    expect(msgs('CREATE TABLE "a" ("id" SERIAL);')).toEqual([expect.stringMatching(/SERIAL/)]);
    expect(msgs('ALTER TABLE "a" ADD COLUMN "x" STRING;')).toEqual([expect.stringMatching(/TEXT/)]);
    expect(msgs('INSERT INTO "q" VALUES (\'a; b\');')).toEqual([expect.stringMatching(/inside a string/)]);
    expect(msgs('-- one; two\nALTER TABLE "a" ADD COLUMN "x" TEXT;')).toEqual([
      expect.stringMatching(/inside a comment/),
    ]);
    expect(msgs('INSERT INTO "quotes" ("id") VALUES (1);\nALTER TABLE "a" ADD COLUMN "x" INT4;')).toEqual([]);
  });
});
