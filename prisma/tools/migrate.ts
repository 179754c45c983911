/**
 * Applies a context's migrations (prisma/<context>/migrations) the way
 * `prisma migrate deploy` does, and records them in `_prisma_migrations` with the
 * same table, checksums (SHA-256 of migration.sql) and row life cycle, so that
 * `prisma migrate deploy` run later against the same database sees them as applied.
 *
 * - applied and unchanged: skipped;
 * - applied but its file changed since: reported in `modified` (and logged), not re-run;
 * - a previous failed attempt (finished_at and rolled_back_at both NULL): refused, as
 *   Prisma does (P3009), until it is resolved;
 * - a failing migration: its row keeps the error in `logs`, and MigrationError is thrown.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { ContextName } from '../../platform/config';

export const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/** The advisory lock key Prisma's schema engine takes on PostgreSQL while migrating. */
const ADVISORY_LOCK_KEY = 72707369;

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  context: string;
  applied: string[];
  skipped: string[];
  modified: string[];
  /** Recorded in the database but absent from the migrations folder. */
  unknown: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(message: string, readonly migration: string, override readonly cause?: unknown) {
    super(message);
  }
}

export const migrationsDir = (context: ContextName) => path.resolve(__dirname, '..', context, 'migrations');

export const checksumOf = (sql: string) => createHash('sha256').update(sql).digest('hex');

export function readMigrations(dir: string): LocalMigration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      if (!fs.existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql`, name);
      const sql = fs.readFileSync(file, 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function migrate(
  databaseUrl: string,
  dir: string,
  log: (msg: string, fields?: object) => void = () => {},
): Promise<MigrationReport> {
  const local = readMigrations(dir);
  const report: MigrationReport = { context: path.basename(path.dirname(dir)), applied: [], skipped: [], modified: [], unknown: [] };
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: v } = await client.query<{ version: string }>('SELECT version() AS version');
    const cockroach = /cockroach/i.test(v[0]?.version ?? '');
    if (!cockroach) await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    try {
      await client.query(MIGRATIONS_TABLE_DDL);
      const { rows } = await client.query<Row>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
      );
      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} failed in an earlier run and is not resolved; ` +
            `fix the database, then mark it with \`prisma migrate resolve --applied|--rolled-back ${failed.migration_name}\``,
          failed.migration_name,
        );
      }
      const done = new Map(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r]));
      const localNames = new Set(local.map((m) => m.name));
      report.unknown = [...done.keys()].filter((n) => !localNames.has(n));
      for (const m of local) {
        const row = done.get(m.name);
        if (row) {
          report.skipped.push(m.name);
          if (row.checksum !== m.checksum) {
            report.modified.push(m.name);
            log(`migration ${m.name} was modified after it was applied (checksum differs); it is not re-run`, { migration: m.name });
          }
          continue;
        }
        await applyOne(client, m);
        report.applied.push(m.name);
        log(`applied migration ${m.name}`, { migration: m.name });
      }
    } finally {
      if (!cockroach) await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
  return report;
}

async function applyOne(client: Client, m: LocalMigration): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, m.checksum, m.name],
  );
  try {
    // One simple-protocol query, as the schema engine sends it: PostgreSQL runs a
    // multi-statement script in one implicit transaction, so a failure leaves nothing behind.
    await client.query(m.sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await client.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, `${m.name}: ${message}`]);
    throw new MigrationError(`migration ${m.name} failed: ${message}`, m.name, err);
  }
  await client.query('UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
}
