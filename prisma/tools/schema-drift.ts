/**
 * Check 5 of `npm run schema:check`: each context's Prisma schema validates, and the
 * database its hand-written migrations build matches the schema's models.
 *
 * The model comes from Prisma itself: its schema wasm (prisma-schema-wasm.ts) validates the
 * file and returns the DMMF, the same datamodel `prisma generate` works from, so @map,
 * @@map, ids, indexes, defaults and relations mean exactly what they mean to Prisma. (The
 * generated client's embedded runtimeDataModel has names and types only: no nullability,
 * keys, indexes or defaults; and it may lag the schema until the next generate.)
 *
 * The database comes from the migrations themselves: they are applied with migrate.ts (the
 * runner `npm run db:migrate` uses) to a fresh scratch database per context, on a given
 * admin URL (tests: the test cluster) or else on a throwaway embedded PostgreSQL started
 * for the check, and its catalog is read (db-catalog.ts) and compared
 * (schema-drift-compare.ts). PostgreSQL stands in for CockroachDB here as everywhere
 * locally; the migrations are written to run on both.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../deploy/local/embedded-postgres';
import { freePort, scratchDir } from '../../deploy/local/scratch';
import { CONTEXTS } from '../../platform/config';
import { readCatalog } from './db-catalog';
import { migrate, migrationsDir } from './migrate';
import { getDatamodel, PrismaSchemaInvalid, type Datamodel } from './prisma-schema-wasm';
import { compareDatamodel, type DriftProblem } from './schema-drift-compare';

export type { DriftProblem } from './schema-drift-compare';

export interface DriftTarget {
  context: string;
  schemaPath: string;
  migrationsDir: string;
}

export const defaultDriftTargets = (): DriftTarget[] =>
  CONTEXTS.map((context) => ({ context, schemaPath: path.resolve(__dirname, '..', context, 'schema.prisma'), migrationsDir: migrationsDir(context) }));

export interface DriftOptions {
  /** A PostgreSQL URL of a user that may CREATE DATABASE; default: a throwaway embedded cluster. */
  adminUrl?: string;
  /** Shown in paths of the report (default: relative to the repository root). */
  display?: (file: string) => string;
}

export interface DriftOutcome {
  problems: DriftProblem[];
  notes: string[];
}

const ROOT = path.resolve(__dirname, '../..');
const relative = (file: string) => {
  const rel = path.relative(ROOT, file);
  return rel.startsWith('..') ? file : rel;
};

/** `relationMode = "prisma"` in the datasource block: relations are not foreign keys. */
const relationModeOf = (schema: string): 'prisma' | 'foreignKeys' =>
  /datasource\s+\w+\s*\{[^}]*relationMode\s*=\s*"prisma"/s.test(schema) ? 'prisma' : 'foreignKeys';

function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Applies one context's migrations to a fresh database and compares its catalog with the datamodel. */
async function checkMigrated(target: DriftTarget, dm: Datamodel, schema: string, adminUrl: string, show: (f: string) => string): Promise<DriftOutcome> {
  const database = `drift_${target.context.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  try {
    const url = databaseUrl(adminUrl, database);
    let applied: string[];
    try {
      applied = (await migrate(url, target.migrationsDir)).applied;
    } catch (err) {
      return { problems: [{ where: `${target.context}: ${show(target.migrationsDir)}`, message: `migrations do not apply to an empty database: ${(err as Error).message}` }], notes: [] };
    }
    const catalog = await admin(url, readCatalog);
    const problems = compareDatamodel(dm, catalog, { relationMode: relationModeOf(schema) }).map((p) => ({ ...p, where: `${target.context}: ${p.where ?? show(target.schemaPath)}` }));
    return { problems, notes: [`${target.context}: ${dm.models.length} model(s) in ${show(target.schemaPath)}, ${applied.length} migration(s) applied`] };
  } finally {
    await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}"`)).catch(() => undefined);
  }
}

async function withAdminUrl<T>(given: string | undefined, fn: (adminUrl: string, where: string) => Promise<T>): Promise<T> {
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

export async function checkSchemaDrift(targets: DriftTarget[] = defaultDriftTargets(), opts: DriftOptions = {}): Promise<DriftOutcome> {
  const show = opts.display ?? relative;
  const problems: DriftProblem[] = [];
  const notes: string[] = [];
  const valid: { target: DriftTarget; dm: Datamodel; schema: string }[] = [];
  for (const target of targets) {
    const schema = fs.readFileSync(target.schemaPath, 'utf8');
    try {
      valid.push({ target, dm: getDatamodel(show(target.schemaPath), schema), schema });
    } catch (err) {
      if (!(err instanceof PrismaSchemaInvalid)) throw err;
      problems.push({ where: `${target.context}: ${show(target.schemaPath)}`, message: 'does not validate (as `prisma validate` would say)', detail: err.message.split('\n') });
    }
  }
  if (valid.length) {
    await withAdminUrl(opts.adminUrl, async (adminUrl, where) => {
      const outcomes = await Promise.all(valid.map((v) => checkMigrated(v.target, v.dm, v.schema, adminUrl, show)));
      for (const o of outcomes) {
        problems.push(...o.problems);
        notes.push(...o.notes);
      }
      notes.push(`migrations applied to scratch databases on ${where}`);
    });
  }
  return { problems, notes };
}
