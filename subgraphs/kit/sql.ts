/**
 * Hand-written SELECTs for a context's hottest reads (the DataLoaders' batched lookups),
 * on the same pg pool as its Prisma client. Prisma stays the schema of record and does every
 * write and every other read; these statements are checked against it by
 * subgraphs/kit/sql.e2e.ts (same rows, same types as Prisma's findMany).
 *
 * Why: under load Prisma's runtime (query interpretation, result mapping) was the largest item
 * of each subgraph's CPU profile, and the same batched SELECT costs far less client CPU through
 * pg than through Prisma (bench/micro/prisma-cost.ts; the numbers are in BENCHMARKS.md). Statements are
 * prepared (named) once per connection, which saves PostgreSQL/CockroachDB the parse and plan.
 */
import { types, type Pool } from 'pg';

/** Our TIMESTAMP(3) columns hold UTC (Prisma's convention); pg would read them in the process's zone. */
const TIMESTAMP_OID = 1114;
const utcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const parsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_OID && format !== 'binary'
      ? utcTimestamp
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

/** A read-only statement with a fixed text, prepared under `name` on each connection. */
export interface Statement {
  name: string;
  text: string;
}

export interface Sql {
  /** Runs a prepared read and returns its rows, columns named as the statement aliases them. */
  rows<R>(statement: Statement, values: unknown[]): Promise<R[]>;
}

export function sqlOn(pool: Pool): Sql {
  return {
    rows: async <R>(statement: Statement, values: unknown[]) =>
      (await pool.query({ name: statement.name, text: statement.text, values, types: parsers })).rows as R[],
  };
}
