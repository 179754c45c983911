/**
 * deploy/local/preflight.ts: what stops `npm start` before it starts anything. Real ports
 * taken by real listeners, real folders and files, a real postmaster.pid naming a live process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../platform/config';
import { scratchDir } from '../../prisma/tools/local/scratch';
import { closeServer, listen, stackPorts } from '../../tests/harness/ports';
import { preflight } from './preflight';

let dir: string;
beforeAll(() => (dir = scratchDir('account-graph-preflight-')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every port free and a new data folder: nothing to say', async () => {
  const env = { ...(await stackPorts(2)), REPLICAS: '2', EMBEDDED_PG_DIR: path.join(dir, 'fresh') };
  expect(await preflight(loadConfig(env), true)).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'fresh'))).toBe(false); // it only looks
});

test('taken ports, a replica’s and the database’s among them: one line each naming the variable that moves it', async () => {
  const env = { ...(await stackPorts(2)), REPLICAS: '2', EMBEDDED_PG_DIR: path.join(dir, 'fresh') };
  const taken = [Number(env.GATEWAY_PORT), Number(env.DATA_PORT) + 10, Number(env.EMBEDDED_PG_PORT)];
  const servers = await Promise.all(taken.map(listen));
  try {
    expect(await preflight(loadConfig(env), true)).toEqual([
      `port ${taken[1]} is in use by another program: it is the second data subgraph's (DATA_PORT + 10); set DATA_PORT to move it`,
      `port ${taken[0]} is in use by another program: it is the gateway's (GATEWAY_PORT); set GATEWAY_PORT to move it`,
      `port ${taken[2]} is in use by another program: it is the embedded PostgreSQL's (EMBEDDED_PG_PORT); set EMBEDDED_PG_PORT to move it`,
    ]);
    // With configured databases nothing embedded starts: its port is not the stack's.
    expect(await preflight(loadConfig({ ...env, REPLICAS: '1' }), false)).toEqual([
      `port ${taken[0]} is in use by another program: it is the gateway's (GATEWAY_PORT); set GATEWAY_PORT to move it`,
    ]);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
});

test('a data folder that cannot be one: a file in its place or on its way, or a folder of something else', async () => {
  const ports = await stackPorts(2);
  fs.writeFileSync(path.join(dir, '.data'), 'a file');
  const check = async (pgDir: string) => preflight(loadConfig({ ...ports, EMBEDDED_PG_DIR: pgDir }), true);
  expect(await check(path.join(dir, '.data/postgres'))).toEqual([
    `embedded PostgreSQL cannot use its data folder: ${path.join(dir, '.data')} is a file, not a folder (on the way to ${path.join(dir, '.data/postgres')}) (EMBEDDED_PG_DIR)`,
  ]);
  expect(await check(path.join(dir, '.data'))).toEqual([
    `embedded PostgreSQL cannot use its data folder: ${path.join(dir, '.data')} is a file, not a folder (EMBEDDED_PG_DIR)`,
  ]);
  fs.mkdirSync(path.join(dir, 'notes/data'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'notes/data/notes.txt'), 'mine');
  expect(await check(path.join(dir, 'notes'))).toEqual([
    `embedded PostgreSQL cannot use its data folder: ${path.join(dir, 'notes/data')} is not empty and holds no PostgreSQL data (no PG_VERSION file); use an empty or new folder (EMBEDDED_PG_DIR)`,
  ]);
});

test('a stack already running on the data folder is named by its postmaster.pid; a stale one is not', async () => {
  const ports = await stackPorts(2);
  const pgDir = path.join(dir, 'running');
  fs.mkdirSync(path.join(pgDir, 'data'), { recursive: true });
  fs.writeFileSync(path.join(pgDir, 'data', 'PG_VERSION'), '18\n');
  const pidFile = path.join(pgDir, 'data', 'postmaster.pid');
  // This test process stands for the running PostgreSQL: a live pid, as PostgreSQL writes the file.
  fs.writeFileSync(pidFile, `${process.pid}\n${pgDir}/data\n1700000000\n55999\n\n127.0.0.1\n`);
  const [line] = await preflight(loadConfig({ ...ports, EMBEDDED_PG_DIR: pgDir }), true);
  expect(line).toMatch(
    new RegExp(
      `^a stack is already running on this data folder: its PostgreSQL \\(pid ${process.pid}, port 55999\\) holds ${pidFile.replace(/[.]/g, '\\.')}(, started by pid \\d+ \\(.+\\))?\\. Stop it \\(Ctrl-C in its terminal\\), or give this one its own EMBEDDED_PG_DIR and ports$`,
    ),
  );
  // A pid that no longer exists: left by a crash; PostgreSQL starts over it by itself.
  fs.writeFileSync(pidFile, `2147483646\n${pgDir}/data\n1700000000\n55999\n`);
  expect(await preflight(loadConfig({ ...ports, EMBEDDED_PG_DIR: pgDir }), true)).toEqual([]);
});
