/**
 * `migrate deploy | status | resolve` and the migrations-vs-models diff, each one call of
 * Prisma's own schema engine (schema-engine.ts), the code `npx prisma migrate ...` runs on
 * the cluster. What is ours: which files and database, and what is reported.
 *
 * Statement by statement, as on CockroachDB. The engine applies a migration through the
 * driver adapter's `executeScript`, which runs it one statement at a time, each in its own
 * implicit transaction; Prisma on CockroachDB does the same (it turns off
 * `enable_implicit_transaction_for_batch_statements`). So locally too a migration that fails
 * halfway stays half applied, is recorded as failed in `_prisma_migrations`, and blocks every
 * later deploy (P3009) until an operator repairs the database and resolves it (`resolve`).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { ContextName } from '../../platform/config';
import { NO_FILTER, openEngine, SchemaEngineError, type ContextFiles, type OpenEngine } from './schema-engine';

export { SchemaEngineError } from './schema-engine';
export type { ContextFiles } from './schema-engine';

export const migrationsDir = (context: ContextName) => path.resolve(__dirname, '..', context, 'migrations');
export const schemaPathOf = (context: ContextName) => path.resolve(__dirname, '..', context, 'schema.prisma');
export const contextFiles = (context: ContextName): ContextFiles => ({
  context,
  migrationsDir: migrationsDir(context),
  schemaPath: schemaPathOf(context),
});

/** A folder's migrations, by name (what the engine will read). */
export function readMigrations(dir: string): { name: string; sql: string }[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') }));
}

/** A migration that failed, or a history the engine refuses to apply onto (P3009, P3018, ...). */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface DeployReport {
  context: string;
  applied: string[];
  /** Applied earlier, and changed on disk since (Prisma does not re-run them; status reports them). */
  edited: string[];
}

const filesOf = (target: ContextFiles | string): ContextFiles =>
  typeof target === 'string' ? { context: path.basename(path.dirname(target)), migrationsDir: target } : target;

async function withEngine<T>(
  target: ContextFiles | string,
  url: string,
  fn: (e: OpenEngine) => Promise<T>,
  shadowAdminUrl?: string,
): Promise<T> {
  const engine = await openEngine(filesOf(target), { url, shadowAdminUrl });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** `prisma migrate deploy`: applies what is not applied yet; the first failure throws MigrationError. */
export async function deploy(
  url: string,
  target: ContextFiles | string,
  log: (msg: string, fields?: object) => void = () => {},
): Promise<DeployReport> {
  return withEngine(target, url, async (engine) => {
    const migrationsList = engine.migrations();
    const before = await engine.call<Diagnosis>('diagnoseMigrationHistory', {
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    for (const name of before.editedMigrationNames)
      log(`migration ${name} was changed after it was applied; it is not re-run`, { migration: name });
    let applied: string[];
    try {
      ({ appliedMigrationNames: applied } = await engine.call<{ appliedMigrationNames: string[] }>('applyMigrations', {
        migrationsList,
        filters: NO_FILTER,
      }));
    } catch (err) {
      const e = err as SchemaEngineError;
      const after = await engine
        .call<Diagnosis>('diagnoseMigrationHistory', {
          migrationsList,
          optInToShadowDatabase: false,
          filters: NO_FILTER,
        })
        .catch(() => undefined);
      const failed = after?.failedMigrationNames ?? [];
      const which =
        failed.length && !failed.some((n) => e.message.includes(n)) ? `migration ${failed.join(', ')} failed: ` : '';
      throw new MigrationError(`${engine.files.context}: ${which}${e.message}`, e.code);
    }
    for (const name of applied) log(`applied migration ${name}`, { migration: name });
    await historyToOwnerOnly(url);
    return { context: engine.files.context, applied, edited: before.editedMigrationNames };
  });
}

/**
 * Only the migrator (the owner) may touch the migration history: the default privileges that
 * give the app user DML on every table the migrator creates (deploy/sql/setup-database.sql)
 * also cover `_prisma_migrations`, which Prisma's engine creates. Every other grant on it is
 * revoked after each deploy (idempotent; information_schema and REVOKE behave alike on
 * PostgreSQL and CockroachDB).
 */
async function historyToOwnerOnly(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ grantee: string }>(
      `SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = '_prisma_migrations' AND grantee <> current_user`,
    );
    for (const { grantee } of rows) {
      const who = grantee.toUpperCase() === 'PUBLIC' ? 'PUBLIC' : `"${grantee.replace(/"/g, '""')}"`;
      await c.query(`REVOKE ALL ON TABLE "_prisma_migrations" FROM ${who}`);
    }
  } finally {
    await c.end();
  }
}

/** The former name of deploy(), kept for callers that pass a migrations folder. */
export const migrate = deploy;

type History =
  | { diagnostic: 'databaseIsBehind'; unappliedMigrationNames: string[] }
  | { diagnostic: 'migrationsDirectoryIsBehind'; unpersistedMigrationNames: string[] }
  | {
      diagnostic: 'historiesDiverge';
      lastCommonMigrationName: string | null;
      unpersistedMigrationNames: string[];
      unappliedMigrationNames: string[];
    };

export interface Diagnosis {
  editedMigrationNames: string[];
  failedMigrationNames: string[];
  hasMigrationsTable: boolean;
  history: History | null;
}

export interface StatusReport extends Diagnosis {
  context: string;
  /** Local migrations not applied to the database. */
  pending: string[];
  /** Applied migrations the folder does not have. */
  unknown: string[];
  /** Up to date, nothing edited or failed (what `prisma migrate status` exits 0 for). */
  ok: boolean;
}

/** `prisma migrate status`: the engine's diagnoseMigrationHistory, summarised. */
export async function status(url: string, target: ContextFiles | string): Promise<StatusReport> {
  return withEngine(target, url, async (engine) => {
    const d = await engine.call<Diagnosis>('diagnoseMigrationHistory', {
      migrationsList: engine.migrations(),
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    const h = d.history;
    const pending = h && 'unappliedMigrationNames' in h ? h.unappliedMigrationNames : [];
    const unknown = h && 'unpersistedMigrationNames' in h ? h.unpersistedMigrationNames : [];
    const ok = !h && d.editedMigrationNames.length === 0 && d.failedMigrationNames.length === 0;
    return { context: engine.files.context, ...d, pending, unknown, ok };
  });
}

/**
 * `prisma migrate resolve`: after an operator repaired the database by hand, records a failed
 * migration as rolled back (the next deploy runs it again) or as applied (it never runs again).
 */
export async function resolve(
  url: string,
  target: ContextFiles | string,
  how: { rolledBack: string } | { applied: string },
): Promise<void> {
  await withEngine(target, url, async (engine) => {
    if ('rolledBack' in how) await engine.call('markMigrationRolledBack', { migrationName: how.rolledBack });
    else await engine.call('markMigrationApplied', { migrationName: how.applied, migrationsList: engine.migrations() });
  });
}

export interface DriftResult {
  /** Nothing between what the migrations build and what the models describe. */
  clean: boolean;
  /** Prisma's own summary of the difference ("[+] Added column `x`" ...), empty when clean. */
  summary: string;
}

/**
 * `prisma migrate diff --from-migrations --to-schema --exit-code`: the migrations are applied to a
 * shadow database (created and dropped on `adminUrl`), described, and compared with the models.
 * `script: true` returns the SQL that would close the difference instead of the summary.
 */
export async function diffMigrationsToSchema(
  files: ContextFiles,
  adminUrl: string,
  opts: { script?: boolean; extra?: { name: string; sql: string } } = {},
): Promise<DriftResult> {
  return withEngine(
    files,
    adminUrl,
    async (engine) => {
      const list = engine.migrations();
      if (opts.extra)
        list.migrationDirectories.push({
          path: opts.extra.name,
          migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: opts.extra.sql } },
        });
      const out = await engine.call<{ exitCode: number; stdout: string | null }>('diff', {
        from: { tag: 'migrations', ...list },
        to: { tag: 'schemaDatamodel', files: [engine.schema()] },
        script: opts.script ?? false,
        exitCode: true,
        filters: NO_FILTER,
      });
      return { clean: out.exitCode === 0, summary: out.exitCode === 0 ? '' : (out.stdout ?? '').trim() };
    },
    adminUrl,
  );
}
