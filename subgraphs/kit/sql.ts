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
  /** The Prisma model its rows are shaped as (checked against the schema by kit/sql-models.test.ts). */
  model?: ModelSelect;
}

/** Each scalar field of a Prisma model, with its database column (its `@map` name, else its own). */
export type ModelColumns<Field extends string> = { readonly [F in Field]: string };

export interface ModelSelect {
  /** The model's name in schema.prisma, e.g. `Account`. */
  model: string;
  /** Its table (`@@map`). */
  table: string;
  columns: ModelColumns<string>;
}

/**
 * A statement whose rows are the model: `SELECT "column" AS "field", … FROM "table" <rest>`
 * over every scalar field. Give `columns` as `… satisfies ModelColumns<Prisma.<Model>ScalarFieldEnum>`
 * (the generated client's list of the model's fields): a field added to the model and not here
 * then fails the type check, before any database starts, instead of answering `null`.
 */
export function modelStatement(name: string, select: ModelSelect, rest: string): Statement {
  const list = Object.entries(select.columns).map(([field, column]) =>
    column === field ? `"${field}"` : `"${column}" AS "${field}"`,
  );
  return { name, text: `SELECT ${list.join(', ')} FROM "${select.table}" ${rest}`, model: select };
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
