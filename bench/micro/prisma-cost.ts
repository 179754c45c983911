/**
 * MICROBENCHMARK: client CPU per hot read in the data subgraph's shape, Prisma's query builder vs
 * Prisma raw SQL vs node-postgres directly, on a scratch cluster with 2,000 seeded accounts.
 * `npx tsx bench/micro/prisma-cost.ts`
 */
import { Pool } from 'pg';
import { startScratchCluster } from '../../prisma/tools/local/scratch';
import { PrismaClient } from '../../generated/data/client';
import { connectDatabase } from '../../subgraphs/kit/database';
import { seed, seedAccountId } from '../../prisma/tools/seed';

async function measure(name: string, n: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 500; i++) await Promise.all([fn(i), fn(i + 1), fn(i + 2)]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await Promise.all([fn(i), fn(i + 7), fn(i + 13)]);
  const c = process.cpuUsage(c0);
  console.log(
    `${name.padEnd(28)} ${((c.user + c.system) / 1000 / (n * 3)).toFixed(3)} ms CPU/query  ${((performance.now() - t0) / (n * 3)).toFixed(3)} ms wall/query`,
  );
}

async function main() {
  const cluster = await startScratchCluster('prisma-cost-');
  try {
    await seed(cluster.urls, { accounts: 2_000 });
    const db = connectDatabase(PrismaClient, cluster.urls.data, 10);
    const pool = new Pool({ connectionString: cluster.urls.data, max: 10 });
    const id = (i: number) => seedAccountId(i % 2_000);
    for (let round = 0; round < 2; round++) {
      await measure('prisma findMany', 3_000, (i) =>
        db.prisma.accountEvent.findMany({
          where: { accountId: { in: [id(i)] } },
          orderBy: [{ created: 'asc' }, { id: 'asc' }],
        }),
      );
      await measure(
        'prisma $queryRaw',
        3_000,
        (i) =>
          db.prisma.$queryRaw`SELECT * FROM account_events WHERE account_id = ANY(${[id(i)]}) ORDER BY created, id`,
      );
      await measure('pg pool.query', 3_000, (i) =>
        pool.query('SELECT * FROM account_events WHERE account_id = ANY($1) ORDER BY created, id', [[id(i)]]),
      );
    }
    await db.close();
    await pool.end();
  } finally {
    await cluster.stop();
  }
}
void main();
