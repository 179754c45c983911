/**
 * What differs between the two databases the product runs on, in one place: follower reads,
 * and index hints (below). On CockroachDB a read-only transaction AS OF SYSTEM TIME follower_read_timestamp()
 * may be served by the nearest replica instead of the leaseholder, seeing data about 4.8 s
 * old. Used only where such staleness is harmless: the quote table's reloads, the outbox's
 * status counts, the accounts-by-name-prefix listing. PostgreSQL has no such clause and
 * runs the same reads as they are. The dialect comes from DATABASE_DIALECT
 * (platform/config.ts) and is attached to each database client by connectDatabase.
 */
export type Dialect = 'postgresql' | 'cockroachdb';

/** The statement that makes the current transaction a follower read, or undefined where there is none. */
export function followerReadStatement(dialect: Dialect): string | undefined {
  return dialect === 'cockroachdb' ? 'SET TRANSACTION AS OF SYSTEM TIME follower_read_timestamp()' : undefined;
}

/**
 * A table reference that makes CockroachDB read `table` through `index` (`table@index`, its
 * force-index annotation: https://www.cockroachlabs.com/docs/v25.2/table-expressions#force-index-selection;
 * it changes the plan, never the result). PostgreSQL has no hints: the plain table name.
 */
export function tableWithIndex(dialect: Dialect, table: string, index: string): string {
  const safe = /^[a-z_][a-z0-9_]*$/;
  if (!safe.test(table) || !safe.test(index)) throw new Error(`unsafe SQL identifier: ${table}@${index}`);
  return dialect === 'cockroachdb' ? `${table}@${index}` : table;
}

const dialects = new WeakMap<object, Dialect>();

/** Records what database a client talks to (connectDatabase does it). */
export function setDialect(client: object, dialect: Dialect): void {
  dialects.set(client, dialect);
}

/** The dialect of a client (PostgreSQL when none was recorded, e.g. a test's stand-in object). */
export function dialectOf(client: object): Dialect {
  return dialects.get(client) ?? 'postgresql';
}

interface TransactionCapable<Tx> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  $executeRawUnsafe(query: string): Promise<number>;
}

/**
 * Runs a read-only `read` as a follower read on CockroachDB (its own transaction, whose first
 * statement is followerReadStatement); on PostgreSQL runs it on `db` as it is.
 */
export async function followerRead<Db extends object, T>(db: Db, read: (db: Db) => Promise<T>): Promise<T> {
  const statement = followerReadStatement(dialectOf(db));
  if (!statement) return read(db);
  const client = db as unknown as TransactionCapable<Db & TransactionCapable<Db>>;
  return client.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(statement);
    return read(tx);
  });
}
