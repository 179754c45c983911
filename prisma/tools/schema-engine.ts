/**
 * Prisma's own schema engine (the code behind `prisma migrate deploy|status|resolve|diff`),
 * run in process as WebAssembly from `@prisma/schema-engine-wasm`, loaded the way Prisma's
 * `wasmSchemaEngineLoader` loads it (the wasm-bindgen glue `schema_engine_bg.js` as the
 * module's import object, `__wbg_set_wasm`, `__wbindgen_start`), over the app's driver
 * adapter (engine-adapter.ts). Nothing here re-implements migration bookkeeping: the engine
 * writes `_prisma_migrations`, checksums, locks and diffs.
 *
 * The provider. Schemas and `migration_lock.toml` say `cockroachdb` (what the cluster runs).
 * Over a driver adapter the engine takes its connector from the adapter, which is always
 * adapter-pg's `postgres`, whatever server answers, and it refuses a lock file naming another
 * provider (P3019). So the engine is always handed the schema and lock text with the provider
 * read as `postgresql`, in memory; the files are never changed. Against CockroachDB the
 * engine still takes its CockroachDB path: it recognises the server from its own `version()`
 * probe (then it sets `enable_experimental_alter_column_type_general`, takes no advisory lock
 * and runs a migration statement by statement), as tests/cockroach-target.int.test.ts shows
 * through tests/harness/cockroach-proxy.ts. This is sound because the schemas use only
 * Prisma's portable scalar types (no `@db.*` native types: refused here, their meaning differs
 * per provider) and migrations are written in the SQL both accept (migration-rules.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { engineAdapterFactory, type EngineAdapterOptions } from './engine-adapter';
import { withoutCredentials } from '../../platform/logger';

type Dialect = 'postgresql' | 'cockroachdb';

/** What the engine threw: Prisma's error code (P3009, P3018, ...) and its own message. */
export class SchemaEngineError extends Error {
  override name = 'SchemaEngineError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The wasm-bindgen module of `@prisma/schema-engine-wasm` (see its schema_engine.d.ts). */
interface Runtime {
  version(): string;
  SchemaEngine: {
    new: (
      opts: { datamodels?: [string, string][] },
      log: (line: string) => void,
      adapter: object,
    ) => Promise<WasmEngine>;
  };
  __wbg_set_wasm(exports: unknown): void;
}
type Call = (input?: unknown) => Promise<unknown>;
interface WasmEngine {
  applyMigrations: Call;
  diagnoseMigrationHistory: Call;
  markMigrationApplied: Call;
  markMigrationRolledBack: Call;
  diff: Call;
  free(): void;
}

let runtime: Promise<Runtime> | undefined;

/** Loads the engine once per process (wasm-bindgen keeps one instance; a second load breaks it). */
function loadRuntime(): Promise<Runtime> {
  return (runtime ??= (async () => {
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    // The engine reports a Rust panic's message here before trapping (as Prisma's CLI sets it up).
    let panic = '';
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (m: string) => void (panic = `RuntimeError: ${m}`),
      get: () => panic,
    };
    const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const rt = (await import(glue)) as Runtime;
    const bytes = fs.readFileSync(path.join(path.dirname(glue), 'schema_engine_bg.wasm'));
    const { WebAssembly: wasm } = globalThis as unknown as {
      WebAssembly: {
        instantiate(b: Uint8Array, imports: object): Promise<{ instance: { exports: { __wbindgen_start(): void } } }>;
      };
    };
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': rt });
    rt.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return rt;
  })());
}

/** The engine's version (its git hash), e.g. for the pin docs/migrations.md states. */
export const engineVersion = async () => (await loadRuntime()).version();

export interface ContextFiles {
  context: string;
  migrationsDir: string;
  /** The context's schema.prisma; needed by `diff` against the models. */
  schemaPath?: string;
}

const PROVIDER = /(provider\s*=\s*")cockroachdb(")/;

/** Schema or lock text as the engine over adapter-pg must read it: provider `postgresql` (see the header). */
export function forEngine(text: string): string {
  return text.replace(PROVIDER, '$1postgresql$2');
}

export function readSchema(file: string): { path: string; content: string } {
  const text = fs.readFileSync(file, 'utf8');
  const native = text.match(/@db\.\w+/);
  if (native)
    throw new SchemaEngineError(
      `${file}: ${native[0]}: native types mean different things on PostgreSQL and CockroachDB; use Prisma's portable scalar types`,
    );
  return { path: file, content: forEngine(text) };
}

/** The migrations folder as the engine's MigrationList (what Prisma's CLI reads from disk). */
export function migrationsList(dir: string) {
  const lock = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: fs.existsSync(lock) ? forEngine(fs.readFileSync(lock, 'utf8')) : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .map((name) => {
        const file = path.join(dir, name, 'migration.sql');
        const content = fs.existsSync(file)
          ? { tag: 'ok', value: fs.readFileSync(file, 'utf8') }
          : { tag: 'error', value: `${file} does not exist` };
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
  };
}

export const NO_FILTER = { externalTables: [] as string[], externalEnums: [] as string[] };

/**
 * The first connection of every command, so its failure is the one an operator sees: one line
 * naming the database (credentials redacted) and pg's own reason, e.g. a certificate that does
 * not verify against sslrootcert ("self-signed certificate in certificate chain").
 */
async function dialectOf(url: string): Promise<Dialect> {
  let c: pg.Client | undefined;
  try {
    c = new pg.Client({ connectionString: url }); // reads sslrootcert: may throw too
    await c.connect();
  } catch (err) {
    await c?.end().catch(() => undefined);
    const code = (err as { code?: unknown }).code;
    const reason = `${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` (${code})` : ''}`;
    throw new SchemaEngineError(`cannot connect to ${String(withoutCredentials(url))}: ${reason}`, 'P1001');
  }
  try {
    const { rows } = await c.query<{ v: string }>('SELECT version() AS v');
    return /cockroach/i.test(rows[0]?.v ?? '') ? 'cockroachdb' : 'postgresql';
  } finally {
    await c.end();
  }
}

function engineError(err: unknown): SchemaEngineError {
  const e = err as { message?: string; code?: unknown };
  if (e instanceof Error && e.message === 'unreachable') {
    const panic = (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { get(): string } }).PRISMA_WASM_PANIC_REGISTRY?.get();
    return new SchemaEngineError(`Prisma's schema engine panicked: ${panic || e.message}`);
  }
  // The engine appends its Rust span trace ("   0: schema_commands::..."): not for people.
  const message = String(e?.message ?? err)
    .replace(/\n\s+0: [\s\S]*$/, '')
    .replace(/^external connector error\n/, '')
    .trim();
  const code = (err as { code?: unknown }).code;
  return new SchemaEngineError(message, typeof code === 'string' ? code : undefined);
}

export interface OpenEngine {
  dialect: Dialect;
  files: ContextFiles;
  /** Calls one engine command; its errors become SchemaEngineError. */
  call<T>(command: keyof Omit<WasmEngine, 'free'>, input: unknown): Promise<T>;
  migrations(): ReturnType<typeof migrationsList>;
  schema(): { path: string; content: string };
  close(): Promise<void>;
}

/** Opens Prisma's schema engine on one context's database. `close()` frees it (and its pools). */
export async function openEngine(
  files: ContextFiles,
  opts: EngineAdapterOptions & { log?: (line: string) => void },
): Promise<OpenEngine> {
  const rt = await loadRuntime();
  const dialect = await dialectOf(opts.url);
  const schema = () => {
    if (!files.schemaPath) throw new SchemaEngineError(`${files.context}: no schema.prisma given`);
    return readSchema(files.schemaPath);
  };
  const datamodels =
    files.schemaPath && fs.existsSync(files.schemaPath)
      ? [[schema().path, schema().content] as [string, string]]
      : undefined;
  const adapter = engineAdapterFactory(opts);
  let engine: WasmEngine;
  try {
    engine = await rt.SchemaEngine.new({ datamodels }, opts.log ?? (() => {}), adapter.factory);
  } catch (err) {
    await adapter.close();
    throw engineError(err);
  }
  return {
    dialect,
    files,
    call: async <T>(command: keyof Omit<WasmEngine, 'free'>, input: unknown) => {
      try {
        return (await engine[command](input)) as T;
      } catch (err) {
        throw engineError(err);
      }
    },
    migrations: () => migrationsList(files.migrationsDir),
    schema,
    close: async () => {
      engine.free();
      await adapter.close();
    },
  };
}
