/**
 * The driver adapter Prisma's schema engine (Wasm) talks through: the app's own
 * `@prisma/adapter-pg` over a `pg` pool, bound with `bindMigrationAwareSqlAdapterFactory`
 * exactly as Prisma's `SchemaEngineWasm` binds it. Two things are ours, each for a reason:
 *
 * - **The shadow database.** `PrismaPg.connectToShadowDb()` spreads the pool config and sets
 *   `database`, but `pg` lets a `connectionString` win over `database`, so with a URL config
 *   the "shadow" would be the main database (the engine then applies and resets there).
 *   Ours creates `prisma_shadow_<random>` with the admin URL, connects to it by URL and drops it
 *   on dispose. Without an admin URL there is no shadow database and commands that need one
 *   fail with the engine's own message.
 * - **PostgreSQL's one-byte `"char"`** (OID 18, `pg_constraint.contype`): the schema engine's
 *   PostgreSQL describer reads it as a Character column, but adapter-pg 7.10 maps no column to
 *   Character and rejects OID 18. The pool's client reports such columns as text and the
 *   adapter's result is marked Character for them. Without this `diff` cannot describe a
 *   database (checked: "Column type 'char' could not be deserialized").
 */
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** Result rows arrays (the adapter returns pg's own) to the indexes of their "char" columns. */
const charColumns = new WeakMap<object, number[]>();

interface PgResult {
  rows?: unknown[];
  fields?: { dataTypeID: number }[];
}

function markChar(res: PgResult | undefined): PgResult | undefined {
  const fields = res?.fields ?? [];
  const idx = fields.flatMap((f, i) => (f.dataTypeID === PG_CHAR_OID ? [i] : []));
  if (idx.length && res?.rows) {
    for (const i of idx) fields[i]!.dataTypeID = PG_TEXT_OID;
    charColumns.set(res.rows, idx);
  }
  return res;
}

/** A pg client whose results report "char" columns as text (remembered in charColumns). */
class CharAwareClient extends pg.Client {
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') args[last] = (err: unknown, res: PgResult) => cb(err, err ? res : markChar(res));
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then((r) => markChar(r as PgResult)) : out) as never;
  }
}

interface Queryable {
  queryRaw(q: unknown): Promise<{ rows: unknown[]; columnTypes: number[] }>;
  startTransaction?: (...a: unknown[]) => Promise<Queryable>;
  dispose?: () => Promise<void>;
}

/** Marks the "char" columns of every queryRaw result (also inside transactions) as Character. */
function withCharColumns<T extends Queryable>(adapter: T): T {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (q) => {
    const result = await queryRaw(q);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  const start = adapter.startTransaction?.bind(adapter);
  if (start) adapter.startTransaction = async (...a) => withCharColumns(await start(...a));
  return adapter;
}

function pgFactory(url: string, pools: pg.Pool[]) {
  const pool = new pg.Pool({ connectionString: url, max: 2, Client: CharAwareClient });
  pools.push(pool);
  return new PrismaPg(pool, { disposeExternalPool: true } as never);
}

const endPool = (p: pg.Pool) =>
  (p as unknown as { ending: boolean }).ending ? Promise.resolve() : p.end().catch(() => undefined);

const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

async function adminExec(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface EngineAdapterOptions {
  /** The database the engine works on. */
  url: string;
  /** A URL of a user that may CREATE DATABASE, for the shadow databases `diff` needs. */
  shadowAdminUrl?: string;
}

/**
 * The bound, migration-aware adapter factory handed to `SchemaEngine.new`, and `close()`,
 * which ends every pool it opened (the engine need not dispose them all).
 */
export function engineAdapterFactory(opts: EngineAdapterOptions) {
  const pools: pg.Pool[] = [];
  const main = pgFactory(opts.url, pools);
  const factory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => withCharColumns((await main.connect()) as unknown as Queryable),
    connectToShadowDb: async () => {
      if (!opts.shadowAdminUrl)
        throw new Error('this command needs a shadow database: give an admin URL that may CREATE DATABASE');
      const admin = opts.shadowAdminUrl;
      const name = `prisma_shadow_${randomBytes(6).toString('hex')}`;
      await adminExec(admin, `CREATE DATABASE "${name}"`);
      const adapter = withCharColumns(
        (await pgFactory(withDatabase(admin, name), pools).connect()) as unknown as Queryable,
      );
      const dispose = adapter.dispose?.bind(adapter);
      adapter.dispose = async () => {
        await dispose?.();
        await adminExec(admin, `DROP DATABASE IF EXISTS "${name}"`);
      };
      return adapter;
    },
  };
  return {
    factory: bindMigrationAwareSqlAdapterFactory(factory as never),
    close: () => Promise.all(pools.map(endPool)).then(() => undefined),
  };
}
