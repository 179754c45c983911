/**
 * `npm run db:migrate`: applies every context's migrations to the configured databases,
 * or to the embedded PostgreSQL when no database URLs are set. Exit 1 on failure.
 */
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { migrateAll, openDatabases } from '../../deploy/local/bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('migrate', config.logLevel);
  const dbs = await openDatabases(config, log);
  try {
    const reports = await migrateAll(dbs.migrationUrls, log);
    const modified = reports.flatMap((r) => r.modified.map((m) => `${r.context}/${m}`));
    if (modified.length > 0) log.warn({ modified }, 'applied migrations were changed after they were applied');
  } finally {
    await dbs.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
