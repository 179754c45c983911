/**
 * `npm run db:migration:create -- --context account --name add_x` (= `prisma migrate dev
 * --create-only`): the new migration's SQL is written by Prisma's schema engine, as the diff
 * from what the committed migrations build to what schema.prisma now describes.
 *
 * Dialect. The engine renders for the database it can reach here, PostgreSQL; its
 * CockroachDB renderer writes the integer types by width (INT2/INT4/INT8), and on CockroachDB
 * `INTEGER` means INT8, not INT4. So the three PostgreSQL spellings SMALLINT, INTEGER and
 * BIGINT are renamed to INT2, INT4 and INT8, which both databases read as the same types;
 * TEXT stays (CockroachDB's alias of STRING). Then the file is checked:
 *  - PostgreSQL: Prisma applies the migrations plus the new one to a shadow database and its
 *    diff to the schema must be empty (it runs, and it builds exactly the models);
 *  - CockroachDB: the statement rules (migration-rules.ts) must pass.
 * Nothing is written unless both pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { diffMigrationsToSchema, readMigrations, type ContextFiles } from './migrate';
import { checkMigration } from './migration-rules';

export class CreateMigrationError extends Error {
  override name = 'CreateMigrationError';
  constructor(
    message: string,
    readonly detail: string[] = [],
  ) {
    super(message);
  }
}

const RENAMES: [RegExp, string][] = [
  [/\bSMALLINT\b/g, 'INT2'],
  [/\bBIGINT\b/g, 'INT8'],
  [/\bINTEGER\b/g, 'INT4'],
];

/** Renames the integer types outside quoted names and strings. */
export function portableTypes(sql: string): string {
  return sql
    .split(/("(?:[^"]|"")*"|'(?:[^']|'')*')/)
    .map((part, i) => (i % 2 ? part : RENAMES.reduce((s, [re, to]) => s.replace(re, to), part)))
    .join('');
}

/** `YYYYMMDDHHMMSS` (UTC), later than every existing migration of the folder. */
export function nextTimestamp(dir: string, now = new Date()): string {
  const fmt = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const last = readMigrations(dir)
    .map((m) => m.name.slice(0, 14))
    .filter((s) => /^\d{14}$/.test(s))
    .sort()
    .pop();
  let ts = fmt(now);
  if (last && ts <= last) {
    const d = new Date(
      Date.UTC(
        +last.slice(0, 4),
        +last.slice(4, 6) - 1,
        +last.slice(6, 8),
        +last.slice(8, 10),
        +last.slice(10, 12),
        +last.slice(12, 14),
      ) + 1000,
    );
    ts = fmt(d);
  }
  return ts;
}

export interface CreatedMigration {
  name: string;
  file: string;
  sql: string;
}

export async function createMigration(
  files: ContextFiles,
  name: string,
  adminUrl: string,
  now = new Date(),
): Promise<CreatedMigration | undefined> {
  if (!/^[a-z0-9_]{1,100}$/.test(name))
    throw new CreateMigrationError(`--name must be lower-case letters, digits and _, got "${name}"`);
  const diff = await diffMigrationsToSchema(files, adminUrl, { script: true });
  if (diff.clean) return undefined;
  const sql = `${portableTypes(diff.summary)}\n`;
  const full = `${nextTimestamp(files.migrationsDir, now)}_${name}`;
  const check = await diffMigrationsToSchema(files, adminUrl, { extra: { name: full, sql } });
  if (!check.clean) {
    throw new CreateMigrationError(
      'the generated migration does not build the models on PostgreSQL (Prisma migrate diff after applying it):',
      [...check.summary.split('\n'), '--- generated SQL:', ...sql.split('\n')],
    );
  }
  const problems = checkMigration(files.context, full, sql);
  if (problems.length) {
    throw new CreateMigrationError(
      'the generated migration breaks the rules that keep it alike on CockroachDB; make one schema change at a time:',
      [...problems.map((p) => p.message), '--- generated SQL:', ...sql.split('\n')],
    );
  }
  const file = path.join(files.migrationsDir, full, 'migration.sql');
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, sql);
  return { name: full, file, sql };
}
