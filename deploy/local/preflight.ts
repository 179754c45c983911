/**
 * What `npm start` checks before it starts anything (no database, no migration, no service):
 * the embedded PostgreSQL's data folder is usable and not already in use by a running stack,
 * and every port the stack will listen on (every replica's, the embedded PostgreSQL's) is
 * free. Each problem is one line naming what to change; the launcher prints them and exits 2.
 * Without these checks a taken port was found ~20 s later, by a gateway dying in a restart loop.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../../platform/config';
import { dataFolderProblem } from '../../prisma/tools/local/embedded-postgres';
import { instances, type Instance } from './topology';

const ORDINALS = ['', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/** Why a port cannot be listened on (in use, not allowed, no such address), or undefined when it is free. */
export function portProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve('is in use by another program');
      else if (err.code === 'EACCES') resolve('may not be listened on by this user');
      else if (err.code === 'EADDRNOTAVAIL')
        resolve(`cannot be listened on: ${host} is not an address of this machine (HOST)`);
      else resolve(`cannot be listened on (${err.code ?? err.message})`);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** `the gateway's (GATEWAY_PORT)`, `the second data subgraph's (DATA_PORT + 10)`. */
const whose = (i: Instance) => {
  const service = i.kind === 'gateway' ? 'gateway' : `${i.kind} subgraph`;
  return i.replica === 0
    ? `the ${service}'s (${i.portVariable})`
    : `the ${ORDINALS[i.replica]} ${service}'s (${i.portVariable} + ${10 * i.replica})`;
};

/** The first existing folder on the way to `dir`, or the file that stands in its way. */
function blockingFile(dir: string): string | undefined {
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      // missing (ENOENT), or a file further up (ENOTDIR): look there
    }
    if (stat) return stat.isDirectory() ? undefined : p;
    if (path.dirname(p) === p) return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A PostgreSQL already running on the data folder (its postmaster.pid names a live process):
 * in practice another `npm start` on the same EMBEDDED_PG_DIR.
 */
export function runningStackProblem(pgDir: string): string | undefined {
  const pidFile = path.join(pgDir, 'data', 'postmaster.pid');
  let lines: string[];
  try {
    lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined; // stale: PostgreSQL removes it itself
  const parent = parentOf(pid);
  return (
    `a stack is already running on this data folder: its PostgreSQL (pid ${pid}, port ${lines[3]?.trim() || '?'}) holds ${pidFile}` +
    `${parent ? `, started by pid ${parent.pid} (${parent.command})` : ''}. ` +
    'Stop it (Ctrl-C in its terminal), or give this one its own EMBEDDED_PG_DIR and ports'
  );
}

/** The process that started PostgreSQL (the other launcher), where /proc tells it. */
function parentOf(pid: number): { pid: number; command: string } | undefined {
  try {
    const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    const command = fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1) ?? '?';
    return { pid: ppid, command };
  } catch {
    return undefined;
  }
}

/** Every reason the stack cannot start here, one line each; empty when it can. */
export async function preflight(config: Config, embedded: boolean): Promise<string[]> {
  if (embedded) {
    const file = blockingFile(config.embedded.dir);
    const folder = file
      ? `${file} is a file, not a folder${file === path.resolve(config.embedded.dir) ? '' : ` (on the way to ${config.embedded.dir})`}`
      : dataFolderProblem(path.join(config.embedded.dir, 'data'));
    if (folder) {
      return [`embedded PostgreSQL cannot use its data folder: ${folder} (EMBEDDED_PG_DIR)`];
    }
    const running = runningStackProblem(config.embedded.dir);
    if (running) return [running];
  }
  const checks = instances(config).map(async (i) => {
    const problem = await portProblem(i.port, config.host);
    return problem && `port ${i.port} ${problem}: it is ${whose(i)}; set ${i.portVariable} to move it`;
  });
  if (embedded) {
    checks.push(
      portProblem(config.embedded.port, '127.0.0.1').then(
        (p) =>
          p &&
          `port ${config.embedded.port} ${p}: it is the embedded PostgreSQL's (EMBEDDED_PG_PORT); set EMBEDDED_PG_PORT to move it`,
      ),
    );
  }
  return (await Promise.all(checks)).filter((p): p is string => p !== undefined);
}
