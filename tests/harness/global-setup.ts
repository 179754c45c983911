/**
 * Starts one real PostgreSQL for the whole test run (embedded, SERIALIZABLE, with
 * pg_stat_statements), provisions the three contexts' databases and users (migrator and
 * app, as deploy/sql), applies the migrations as the migrators, and hands the app users'
 * URLs to the tests through the environment, as the subgraphs get them.
 */
import { createHook } from 'node:async_hooks';
import { Client } from 'pg';
import { startScratchCluster, type ScratchCluster } from '../../prisma/tools/local/scratch';

declare global {
  var __TEST_CLUSTER__: ScratchCluster | undefined;
}

/**
 * Prisma's schema engine (Wasm, run by the migrations here) arms timers it never clears
 * (its glue imports setTimeout but not clearTimeout), which kept Jest's process alive ~10 s
 * after the last test ("Jest did not exit one second after the test run"). The timers
 * armed while the cluster is set up are unref'd once it is: they may still fire, but no
 * longer hold the process.
 */
async function withoutHoldingTimers<T>(fn: () => Promise<T>): Promise<T> {
  const armed: { unref?: () => void }[] = [];
  const hook = createHook({
    init: (_id, type, _trigger, resource) =>
      void (type === 'Timeout' && armed.push(resource as { unref?: () => void })),
  });
  hook.enable();
  try {
    return await fn();
  } finally {
    hook.disable();
    for (const t of armed) t.unref?.();
  }
}

export default async function globalSetup(): Promise<void> {
  const cluster = await withoutHoldingTimers(() => startScratchCluster('account-graph-test-'));
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
