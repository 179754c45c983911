/**
 * Check 5 of `npm run schema:check`: per context, Prisma's own `migrate diff
 * --from-migrations --to-schema --exit-code` (migrate.ts): the schema engine applies the
 * migrations to a shadow database, describes it and compares it with the models; any
 * difference fails, in Prisma's words. The schema itself is validated by the same call. Also
 * every migration file keeps the statement rules that make it behave alike on PostgreSQL and
 * CockroachDB (migration-rules.ts).
 *
 * The shadow databases live on a given admin URL (tests: the test cluster) or else on a
 * throwaway embedded PostgreSQL started for the check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './local/embedded-postgres';
import { freePort, scratchDir } from './local/scratch';
import { CONTEXTS } from '../../platform/config';
import { contextFiles, diffMigrationsToSchema, readMigrations } from './migrate';
import { checkMigration } from './migration-rules';

export interface DriftTarget {
  context: string;
  schemaPath: string;
  migrationsDir: string;
}

export interface DriftProblem {
  where?: string;
  message: string;
  detail?: string[];
}

export const defaultDriftTargets = (): DriftTarget[] =>
  CONTEXTS.map((context) => {
    const f = contextFiles(context);
    return { context, schemaPath: f.schemaPath!, migrationsDir: f.migrationsDir };
  });

export interface DriftOptions {
  /** A PostgreSQL URL of a user that may CREATE DATABASE; default: a throwaway embedded cluster. */
  adminUrl?: string;
}

export interface DriftOutcome {
  problems: DriftProblem[];
  notes: string[];
}

const ROOT = path.resolve(__dirname, '../..');
const show = (file: string) => {
  const rel = path.relative(ROOT, file);
  return rel.startsWith('..') ? file : rel;
};

/** Runs `fn` with the given admin URL, or with a throwaway embedded PostgreSQL's. */
export async function withAdminUrl<T>(
  given: string | undefined,
  fn: (adminUrl: string, where: string) => Promise<T>,
): Promise<T> {
  if (given) return fn(given, 'the given PostgreSQL');
  const dir = scratchDir('schema-drift-');
  let pg: EmbeddedPostgres | undefined;
  try {
    pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
    return await fn(pg.adminUrl, 'a throwaway embedded PostgreSQL');
  } finally {
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The statement rules over every migration file of the targets. */
export function checkMigrationRules(targets: DriftTarget[] = defaultDriftTargets()): DriftProblem[] {
  return targets.flatMap((t) =>
    readMigrations(t.migrationsDir).flatMap((m) =>
      checkMigration(t.context, m.name, m.sql).map((p) => ({
        where: `${t.context}: ${show(path.join(t.migrationsDir, m.name, 'migration.sql'))}`,
        message: p.message,
      })),
    ),
  );
}

export async function checkSchemaDrift(
  targets: DriftTarget[] = defaultDriftTargets(),
  opts: DriftOptions = {},
): Promise<DriftOutcome> {
  const problems: DriftProblem[] = checkMigrationRules(targets);
  const notes: string[] = [];
  await withAdminUrl(opts.adminUrl, async (adminUrl, where) => {
    for (const t of targets) {
      const where1 = `${t.context}: ${show(t.schemaPath)}`;
      try {
        const d = await diffMigrationsToSchema(
          { context: t.context, schemaPath: t.schemaPath, migrationsDir: t.migrationsDir },
          adminUrl,
        );
        if (d.clean)
          notes.push(
            `${t.context}: ${readMigrations(t.migrationsDir).length} migration(s) build exactly what ${show(t.schemaPath)} describes`,
          );
        else
          problems.push({
            where: where1,
            message: 'the models and what the migrations build differ (Prisma migrate diff, migrations → schema)',
            detail: d.summary.split('\n'),
          });
      } catch (err) {
        problems.push({ where: where1, message: `Prisma's migrate diff failed: ${(err as Error).message}` });
      }
    }
    notes.push(`shadow databases on ${where}`);
  });
  return { problems, notes };
}
