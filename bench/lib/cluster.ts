/**
 * The benchmark's databases: a throwaway embedded PostgreSQL from prisma/tools/local/scratch.ts
 * (provisioned, migrated), with pg_stat_statements created in `postgres` so statements can
 * be counted, seeded with prisma/tools/seed.ts. Also the admin helpers the fault scenarios
 * use (statement counts, refusing and restoring connections to one database).
 */
import { Client } from 'pg';
import { CONTEXTS, type ContextName } from '../../platform/config';
import { startScratchCluster } from '../../prisma/tools/local/scratch';
import { seed, seedAccountId, type SeedReport } from '../../prisma/tools/seed';

export interface BenchCluster {
  adminUrl: string;
  urls: Record<ContextName, string>;
  /** PostgreSQL's data folder (to find its processes). */
  dataDir: string;
  seeded: SeedReport;
  /** The seeded ids: `10000` … `10000 + accounts - 1`. */
  ids: { first: number; count: number };
  stop(): Promise<void>;
}

export async function adminQuery<R extends object = Record<string, unknown>>(
  adminUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function startBenchCluster(accounts: number, onProgress?: (msg: string) => void): Promise<BenchCluster> {
  const started = Date.now();
  const cluster = await startScratchCluster('account-graph-bench-');
  try {
    await adminQuery(cluster.adminUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const [dir] = await adminQuery<{ data_directory: string }>(cluster.adminUrl, 'SHOW data_directory');
    onProgress?.(`cluster up in ${Date.now() - started} ms; seeding ${accounts} accounts`);
    const seeded = await seed(cluster.urls, { accounts });
    onProgress?.(
      `seeded ${seeded.accounts} accounts, ${seeded.events} events, ${seeded.images} images in ${seeded.ms} ms`,
    );
    return {
      ...cluster,
      dataDir: dir!.data_directory,
      seeded,
      ids: { first: Number(seedAccountId(0)), count: accounts },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Statements executed per database while `fn` ran (transaction control and probes excluded), via pg_stat_statements. */
export async function countStatements(
  adminUrl: string,
  fn: () => Promise<unknown>,
): Promise<Record<ContextName, number>> {
  await adminQuery(adminUrl, 'SELECT pg_stat_statements_reset()');
  await fn();
  const rows = await adminQuery<{ datname: string; calls: string }>(
    adminUrl,
    `SELECT d.datname, sum(s.calls)::text AS calls
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = ANY($1) AND s.query !~* '^\\s*(BEGIN|COMMIT|ROLLBACK|SET|SHOW|SELECT 1\\s*$|SELECT pg_stat_statements_reset)'
      GROUP BY d.datname`,
    [[...CONTEXTS]],
  );
  const out = { account: 0, data: 0, image: 0 } as Record<ContextName, number>;
  for (const r of rows) out[r.datname as ContextName] = Number(r.calls);
  return out;
}

/** Makes a database refuse new connections and ends the ones it has (the data subgraph's pool). */
export async function refuseConnections(adminUrl: string, database: ContextName): Promise<void> {
  await adminQuery(adminUrl, `ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
  await adminQuery(
    adminUrl,
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
}

export async function allowConnections(adminUrl: string, database: ContextName): Promise<void> {
  await adminQuery(adminUrl, `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
}
