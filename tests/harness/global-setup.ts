/**
 * Starts one real PostgreSQL for the whole test run (embedded, SERIALIZABLE, with
 * pg_stat_statements), provisions the three contexts' databases and users, applies the
 * migrations, and hands the URLs to the tests through the environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { CONTEXTS } from '../../platform/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../deploy/local/embedded-postgres';
import { migrate, migrationsDir } from '../../prisma/tools/migrate';
import { provision } from '../../prisma/tools/provision';
import { freePort } from './ports';

declare global {
  // eslint-disable-next-line no-var
  var __TEST_PG__: { pg: EmbeddedPostgres; dir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-graph-test-'));
  fs.chmodSync(dir, 0o755); // the server runs as the `postgres` user when we are root
  const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
  globalThis.__TEST_PG__ = { pg, dir };
  const urls = await provision(pg.adminUrl);
  for (const c of CONTEXTS) await migrate(urls[c], migrationsDir(c));
  const admin = new Client({ connectionString: pg.adminUrl });
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await admin.end();
  process.env.TEST_ADMIN_DATABASE_URL = pg.adminUrl;
  process.env.ACCOUNT_DATABASE_URL = urls.account;
  process.env.DATA_DATABASE_URL = urls.data;
  process.env.IMAGE_DATABASE_URL = urls.image;
  process.env.LOG_LEVEL ??= 'warn';
}
