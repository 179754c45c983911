/**
 * Connects a context's own generated Prisma client through @prisma/adapter-pg (the
 * wire protocol CockroachDB and PostgreSQL share) on a pool whose use /metrics reports,
 * exposes the same pool for prepared hot reads (sql.ts), and a readiness probe.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { trackPool } from '../../platform/metrics';
import { sqlOn, type Sql } from './sql';

export interface PrismaLike {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $disconnect(): Promise<void>;
}

export type PrismaClientClass<C> = new (options: { adapter: PrismaPg }) => C;

export interface Database<C> {
  prisma: C;
  /** Prepared hand-written reads on the same pool (sql.ts), for the hottest loaders. */
  sql: Sql;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function connectDatabase<C extends PrismaLike>(Client: PrismaClientClass<C>, url: string, poolSize: number): Database<C> {
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'account-graph',
  });
  trackPool(pool, new URL(url).pathname.slice(1) || 'default');
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const prisma = new Client({ adapter });
  return {
    prisma,
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
