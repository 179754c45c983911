/**
 * The subgraphs' pool against the real test PostgreSQL: every connection has a maximum
 * lifetime (5 minutes in production), after which the pool replaces it, so connections
 * rebalance across CockroachDB nodes after one returns from a drain.
 */
import { PrismaClient } from '../../generated/account/client';
import { adminQuery, testDatabaseUrls } from '../../tests/harness/db';
import { connectDatabase, POOL_MAX_LIFETIME_SECONDS } from './database';

const backendPid = async (db: ReturnType<typeof connectDatabase<PrismaClient>>) =>
  (await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

test('production pools recycle each connection after at most 5 minutes', async () => {
  const db = connectDatabase(PrismaClient, testDatabaseUrls().account, 2);
  try {
    expect(POOL_MAX_LIFETIME_SECONDS).toBeGreaterThan(0);
    expect(POOL_MAX_LIFETIME_SECONDS).toBeLessThanOrEqual(300);
    expect(db.pool.options.maxLifetimeSeconds).toBe(POOL_MAX_LIFETIME_SECONDS);
  } finally {
    await db.close();
  }
});

test('a connection past its lifetime is replaced by a new one (a new server process)', async () => {
  const db = connectDatabase(PrismaClient, testDatabaseUrls().account, 1, { maxLifetimeSeconds: 1 });
  try {
    const first = await backendPid(db);
    expect(await backendPid(db)).toBe(first); // reused while young
    let next = first;
    for (let i = 0; i < 100 && next === first; i++) {
      await new Promise((r) => setTimeout(r, 100));
      next = await backendPid(db);
    }
    expect(next).not.toBe(first);
    // The old one is gone from the server, not just from the pool.
    const alive = (await db.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [first])).rowCount;
    expect(alive).toBe(0);
  } finally {
    await db.close();
  }
});

test('an idle pooled connection that dies (a drained node, a terminated backend) does not crash the process', async () => {
  const db = connectDatabase(PrismaClient, testDatabaseUrls().account, 1);
  try {
    // Only the prepared reads' path: Prisma never connects, so its own listener is not there.
    const pid = await backendPid(db);
    await adminQuery('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 200)); // the idle client's 'error' is emitted meanwhile
    expect(await backendPid(db)).not.toBe(pid); // served again, on a new connection
  } finally {
    await db.close();
  }
});
