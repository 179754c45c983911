/**
 * A throwaway cluster for tests and benchmarks: an embedded PostgreSQL in a fresh temporary
 * folder on a free port, with the three contexts' databases and users provisioned (as
 * deploy/sql does) and migrated as each context's migrator by Prisma's schema engine, as
 * `npm start` does. `stop()` shuts it down and removes the folder.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../../../platform/config';
import { contextFiles, deploy } from '../migrate';
import { provision } from '../provision';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * The first port the kernel hands out to outgoing connections (Linux: 32768 by default). A
 * port above it that was free a moment ago may be taken by any client socket on the machine
 * (a database driver's, another test run's) before a child process binds it; below it only a
 * listener can take it.
 */
export function ephemeralPortStart(): number {
  try {
    const first = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return first > 21_024 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/**
 * A TCP port that was free a moment ago on 127.0.0.1, chosen below the range of outgoing
 * connections (ephemeralPortStart), for servers that another process will bind a little later.
 */
export async function freePort(): Promise<number> {
  const top = ephemeralPortStart();
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * (top - 20_000));
    if (await bindable(port)) return port;
  }
}

export interface ScratchCluster {
  adminUrl: string;
  /** The app users' URLs (DML only): what the services get. */
  urls: Record<ContextName, string>;
  /** The migrator users' URLs (DDL): what the migrations ran as. */
  migratorUrls: Record<ContextName, string>;
  stop(): Promise<void>;
}

/** A temporary folder the `postgres` user can reach (the server runs as that user when we are root). */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export async function startScratchCluster(prefix = 'account-graph-'): Promise<ScratchCluster> {
  const dir = scratchDir(prefix);
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
  } catch (err) {
    remove();
    throw err;
  }
  const stop = async () => {
    await pg.stop();
    remove();
  };
  try {
    const { urls, migratorUrls } = await provision(pg.adminUrl);
    for (const c of CONTEXTS) await deploy(migratorUrls[c], contextFiles(c));
    return { adminUrl: pg.adminUrl, urls, migratorUrls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
