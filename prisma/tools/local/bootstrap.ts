/**
 * Brings the databases to a usable state before any service starts: the embedded
 * PostgreSQL when no URLs are configured (provisioned as deploy/sql does: per context a
 * database, a migrator user and an app user), then every context's migrations, applied as
 * the migrator by Prisma's own schema engine (prisma/tools/migrate.ts). Used by `npm start`,
 * `npm run db:migrate` and `npm run db:seed`.
 */
import fs from 'node:fs';
import { Client } from 'pg';
import { allDatabaseUrls, ConfigError, CONTEXTS, type Config, type ContextName } from '../../../platform/config';
import type { Logger } from '../../../platform/logger';
import { contextFiles, deploy, type DeployReport } from '../migrate';
import { embeddedCredentials, provision, urlFor, type Role } from '../provision';
import { startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedPostgres } from './embedded-postgres';

export interface Databases {
  /** What each subgraph gets: the embedded cluster's app users (DML only), or the configured URLs. */
  urls: Record<ContextName, string>;
  /** What the migrations run as: the embedded cluster's migrator users (DDL), or the configured URLs. */
  migrationUrls: Record<ContextName, string>;
  embedded?: EmbeddedPostgres;
  stop(): Promise<void>;
}

/** `options`: for the embedded PostgreSQL (the launcher runs it in its own process group). */
export async function openDatabases(
  config: Config,
  log: Logger,
  options: Pick<EmbeddedOptions, 'ownProcessGroup'> = {},
): Promise<Databases> {
  const configured = allDatabaseUrls(config);
  if (configured) {
    log.info('using the configured databases; nothing embedded starts');
    const migrationUrls = { ...configured, ...config.migrationDatabaseUrls };
    return { urls: configured, migrationUrls, stop: async () => {} };
  }
  fs.mkdirSync(config.embedded.dir, { recursive: true });
  fs.chmodSync(config.embedded.dir, 0o755);
  const embedded = await startEmbeddedPostgres({
    dir: `${config.embedded.dir}/data`,
    port: config.embedded.port,
    log,
    ...options,
  });
  log.info({ port: config.embedded.port, dir: config.embedded.dir }, 'embedded PostgreSQL started');
  try {
    const { urls, migratorUrls } = await provision(embedded.adminUrl);
    return { urls, migrationUrls: migratorUrls, embedded, stop: () => embedded.stop() };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

/**
 * The databases of a stack that is already running: the configured URLs, or those of the
 * embedded PostgreSQL that `npm start` runs (for tools such as `npm run outbox:status`).
 */
export function runningDatabaseUrls(config: Config, role: Role = 'app'): Record<ContextName, string> {
  const configured = allDatabaseUrls(config);
  if (configured) return configured;
  const base = `postgresql://127.0.0.1:${config.embedded.port}/postgres`;
  return Object.fromEntries(CONTEXTS.map((c) => [c, urlFor(base, embeddedCredentials(c, role))])) as Record<
    ContextName,
    string
  >;
}

/**
 * The databases for a tool (`db:migrate`, `db:migrate:status`, `db:seed`): the configured
 * URLs; else the embedded PostgreSQL of a running `npm start` when it answers on its port;
 * else that same embedded PostgreSQL (same folder, same port), started for the tool and
 * stopped by `stop()`.
 */
export async function toolDatabases(config: Config, log: Logger): Promise<Databases> {
  if (allDatabaseUrls(config)) return openDatabases(config, log);
  const urls = runningDatabaseUrls(config);
  if (await answers(urls.account)) {
    log.info({ port: config.embedded.port }, 'using the embedded PostgreSQL of the running stack');
    return { urls, migrationUrls: runningDatabaseUrls(config, 'migrator'), stop: async () => {} };
  }
  return openDatabases(config, log);
}

/**
 * The databases the migration runner works on, for `contexts`: the configured ones (each
 * context's <CTX>_MIGRATION_DATABASE_URL, else its <CTX>_DATABASE_URL), so that one Job or
 * compose service per context needs only its own context's URL; with none configured, the
 * embedded PostgreSQL (toolDatabases).
 */
export async function migrationDatabases(
  config: Config,
  log: Logger,
  contexts: readonly ContextName[],
): Promise<{ urls: Partial<Record<ContextName, string>>; stop(): Promise<void> }> {
  const given = { ...config.databaseUrls, ...config.migrationDatabaseUrls };
  if (Object.keys(given).length === 0) {
    const dbs = await toolDatabases(config, log);
    return { urls: dbs.migrationUrls, stop: () => dbs.stop() };
  }
  const missing = contexts.filter((c) => !given[c]);
  if (missing.length)
    throw new ConfigError(
      `no database to migrate for ${missing.join(', ')}: set ${missing.map((c) => `${c.toUpperCase()}_MIGRATION_DATABASE_URL`).join(', ')} (or *_DATABASE_URL)`,
    );
  return { urls: given, stop: async () => {} };
}

async function answers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Applies every context's migrations (`migrate deploy`); the first failure stops with its error. */
export async function migrateAll(urls: Record<ContextName, string>, log: Logger): Promise<DeployReport[]> {
  const reports: DeployReport[] = [];
  for (const context of CONTEXTS) {
    const clog = log.child({ context });
    const report = await deploy(urls[context], contextFiles(context), (msg, fields) =>
      /changed after/.test(msg) ? clog.warn(fields, msg) : clog.info(fields, msg),
    );
    clog.info({ applied: report.applied.length, edited: report.edited }, 'migrations up to date');
    reports.push(report);
  }
  return reports;
}
