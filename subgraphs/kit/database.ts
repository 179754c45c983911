/**
 * Connects a context's own generated Prisma client through @prisma/adapter-pg (the
 * wire protocol CockroachDB and PostgreSQL share) on a pool (whose use a subgraph's /metrics
 * reports: define.ts), exposes the same pool for prepared hot reads (sql.ts), and a readiness probe.
 * Connections live POOL_MAX_LIFETIME_SECONDS ±15 % (each its own draw): behind the load balancer
 * a pool keeps the nodes it connected to, so after a CockroachDB node drains and returns it would
 * get no connections until something closes the others; recycling every ~2 minutes rebalances
 * them, and the jitter keeps connections opened together (a pool's start, a reconnect after an
 * outage) from all reconnecting in the same instant. A draining node waits
 * server.shutdown.connections.timeout (150 s, deploy/sql/cluster.sql) for clients to leave; it
 * must be above the longest lifetime, 138 s, as CockroachDB asks
 * (https://www.cockroachlabs.com/docs/v25.2/node-shutdown#server-shutdown-connections-timeout;
 * deploy/drain-numbers.test.ts ties the numbers together).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { setDialect, type Dialect } from './dialect';
import { sqlOn, type Sql } from './sql';

export interface PrismaLike {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $disconnect(): Promise<void>;
}

export type PrismaClientClass<C> = new (options: { adapter: PrismaPg }) => C;

export interface Database<C> {
  prisma: C;
  /** The pool under both (for its settings, its metrics and tests). */
  pool: Pool;
  /** The database's name (the URL's path), as metrics label it. */
  name: string;
  /** Prepared hand-written reads on the same pool (sql.ts), for the hottest loaders. */
  sql: Sql;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long one pooled connection lives, before jitter (pg closes it when it is next idle past that age). */
export const POOL_MAX_LIFETIME_SECONDS = 120;
/** Each connection's lifetime is drawn from POOL_MAX_LIFETIME_SECONDS × (1 ± this). */
export const POOL_LIFETIME_JITTER = 0.15;

/** One connection's lifetime: `base` ± POOL_LIFETIME_JITTER, uniformly. */
export const jitteredLifetime = (base: number, random: () => number = Math.random) =>
  base * (1 - POOL_LIFETIME_JITTER + 2 * POOL_LIFETIME_JITTER * random());

/** The longest a pooled connection lives (what a draining CockroachDB node must outwait). */
export const longestPoolLifetimeSeconds = (base = POOL_MAX_LIFETIME_SECONDS) => base * (1 + POOL_LIFETIME_JITTER);

export interface PoolOptions {
  /** Tests shorten it; production uses POOL_MAX_LIFETIME_SECONDS. */
  maxLifetimeSeconds?: number;
  /** What the database is (follower reads on CockroachDB: dialect.ts); default PostgreSQL. */
  dialect?: Dialect;
}

export function connectDatabase<C extends PrismaLike>(
  Client: PrismaClientClass<C>,
  url: string,
  poolSize: number,
  opts: PoolOptions = {},
): Database<C> {
  const lifetime = opts.maxLifetimeSeconds ?? POOL_MAX_LIFETIME_SECONDS;
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    maxLifetimeSeconds: jitteredLifetime(lifetime),
    application_name: 'account-graph',
  });
  // pg-pool reads maxLifetimeSeconds when it arms a new connection's timer, before 'connect':
  // drawing the next value here gives every connection its own lifetime.
  pool.on('connect', () => {
    pool.options.maxLifetimeSeconds = jitteredLifetime(lifetime);
  });
  // pg-pool emits 'error' for an *idle* client whose connection dies (a node drained, a
  // backend terminated); with no listener that event would crash the process. The pool has
  // already dropped the client; the next query connects anew and reports any real outage.
  // (Prisma adds a listener of its own only once it has connected; the hot reads may not wait.)
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const prisma = new Client({ adapter });
  setDialect(prisma, opts.dialect ?? 'postgresql');
  return {
    prisma,
    pool,
    name: new URL(url).pathname.slice(1) || 'default',
    sql: sqlOn(pool),
    ping: async () => {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      // Prisma disposes the pool only if it ever connected; the hot reads use it without Prisma.
      if (!pool.ending) await pool.end();
    },
  };
}
