/**
 * The subgraphs' pool against the real test PostgreSQL: every connection has a maximum
 * lifetime (2 minutes ±15 % in production, each connection its own), after which the pool
 * replaces it, so connections rebalance across CockroachDB nodes after one returns from a drain.
 */
import { PrismaClient } from '../../generated/account/client';
import { adminQuery, testDatabaseUrls } from '../../tests/harness/db';
import { connectDatabase, POOL_LIFETIME_JITTER, POOL_MAX_LIFETIME_SECONDS } from './database';

const backendPid = async (db: ReturnType<typeof connectDatabase<PrismaClient>>) =>
  (await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

test('production pools give each connection its own lifetime, 2 minutes ±15 %', async () => {
  const db = connectDatabase(PrismaClient, testDatabaseUrls().account, 3);
  const within = (s: number) =>
    s >= POOL_MAX_LIFETIME_SECONDS * (1 - POOL_LIFETIME_JITTER) &&
    s <= POOL_MAX_LIFETIME_SECONDS * (1 + POOL_LIFETIME_JITTER);
  try {
    expect([POOL_MAX_LIFETIME_SECONDS, POOL_LIFETIME_JITTER]).toEqual([120, 0.15]);
    const drawn = [db.pool.options.maxLifetimeSeconds as number];
    // Three connections at once: each new one arms its timer with the value drawn so far.
    const clients = await Promise.all([0, 1, 2].map(() => db.pool.connect()));
    drawn.push(db.pool.options.maxLifetimeSeconds as number);
    for (const c of clients) c.release();
    expect(drawn.every(within)).toBe(true);
    expect(new Set(drawn).size).toBe(drawn.length); // redrawn at each connection
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
