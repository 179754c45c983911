/**
 * Starts one real PostgreSQL for the whole test run (embedded, SERIALIZABLE, with
 * pg_stat_statements), provisions the three contexts' databases and users (migrator and
 * app, as deploy/sql), applies the migrations as the migrators, and hands the app users'
 * URLs to the tests through the environment, as the subgraphs get them.
 */
import { Client } from 'pg';
import { startScratchCluster, type ScratchCluster } from '../../prisma/tools/local/scratch';

declare global {
  var __TEST_CLUSTER__: ScratchCluster | undefined;
}

export default async function globalSetup(): Promise<void> {
  const cluster = await startScratchCluster('account-graph-test-');
  globalThis.__TEST_CLUSTER__ = cluster;
  const admin = new Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await admin.end();
  process.env.TEST_ADMIN_DATABASE_URL = cluster.adminUrl;
  process.env.ACCOUNT_DATABASE_URL = cluster.urls.account;
  process.env.DATA_DATABASE_URL = cluster.urls.data;
  process.env.IMAGE_DATABASE_URL = cluster.urls.image;
  // The migrators' (DDL), for tests that migrate or inspect as the schema's owner.
  for (const [context, url] of Object.entries(cluster.migratorUrls))
    process.env[`TEST_${context.toUpperCase()}_MIGRATOR_URL`] = url;
  process.env.LOG_LEVEL ??= 'warn';
}
