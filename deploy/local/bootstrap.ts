/**
 * Brings the databases to a usable state before any service starts: the embedded
 * PostgreSQL when no URLs are configured (provisioned with one database and user per
 * context), then every context's migrations. Used by `npm start` and `npm run db:migrate`.
 */
import fs from 'node:fs';
import { allDatabaseUrls, CONTEXTS, type Config, type ContextName } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { migrate, migrationsDir, type MigrationReport } from '../../prisma/tools/migrate';
import { embeddedCredentials, provision, urlFor } from '../../prisma/tools/provision';
import { startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedPostgres } from './embedded-postgres';

export interface Databases {
  urls: Record<ContextName, string>;
  embedded?: EmbeddedPostgres;
  stop(): Promise<void>;
}

/** `options`: for the embedded PostgreSQL (the launcher runs it in its own process group). */
export async function openDatabases(config: Config, log: Logger, options: Pick<EmbeddedOptions, 'ownProcessGroup'> = {}): Promise<Databases> {
  const configured = allDatabaseUrls(config);
  if (configured) {
    log.info('using the configured databases; nothing embedded starts');
    return { urls: configured, stop: async () => {} };
  }
  fs.mkdirSync(config.embedded.dir, { recursive: true });
  fs.chmodSync(config.embedded.dir, 0o755);
  const embedded = await startEmbeddedPostgres({ dir: `${config.embedded.dir}/data`, port: config.embedded.port, log, ...options });
  log.info({ port: config.embedded.port, dir: config.embedded.dir }, 'embedded PostgreSQL started');
  try {
    const urls = await provision(embedded.adminUrl);
    return { urls, embedded, stop: () => embedded.stop() };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

/**
 * The databases of a stack that is already running: the configured URLs, or those of the
 * embedded PostgreSQL that `npm start` runs (for tools such as `npm run outbox:status`).
 */
export function runningDatabaseUrls(config: Config): Record<ContextName, string> {
  const configured = allDatabaseUrls(config);
  if (configured) return configured;
  const base = `postgresql://127.0.0.1:${config.embedded.port}/postgres`;
  return Object.fromEntries(CONTEXTS.map((c) => [c, urlFor(base, embeddedCredentials(c))])) as Record<ContextName, string>;
}

/** Applies every context's migrations; the first failure stops with its error. */
export async function migrateAll(urls: Record<ContextName, string>, log: Logger): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const context of CONTEXTS) {
    const clog = log.child({ context });
    const report = await migrate(urls[context], migrationsDir(context), (msg, fields) =>
      /modified/.test(msg) ? clog.warn(fields, msg) : clog.info(fields, msg),
    );
    clog.info({ applied: report.applied.length, skipped: report.skipped.length, modified: report.modified, unknown: report.unknown }, 'migrations up to date');
    reports.push(report);
  }
  return reports;
}
