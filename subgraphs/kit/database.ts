/**
 * Connects a context's own generated Prisma client through @prisma/adapter-pg (the
 * wire protocol CockroachDB and PostgreSQL share) on a pool whose use /metrics reports,
 * and exposes a readiness probe.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { trackPool } from '../../platform/metrics';

export interface PrismaLike {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $disconnect(): Promise<void>;
}

export type PrismaClientClass<C> = new (options: { adapter: PrismaPg }) => C;

export interface Database<C> {
  prisma: C;
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
    ping: async () => {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
    close: () => prisma.$disconnect(),
  };
}
