/**
 * `npm start` as a user runs it: a real launcher process with an embedded PostgreSQL in a
 * fresh folder, the three subgraphs and the gateway as child processes. Checks that each
 * subgraph process was given its own database URL only and the gateway none (their
 * environments as /proc records them), the seeded aggregated view, that a killed subgraph
 * is restarted and served again, a clean Ctrl-C (SIGINT to the launcher's whole process
 * group, as a terminal sends it) stopping gateway, subgraphs and database in that order,
 * and that data survives a restart without being seeded twice, and that a second launcher on
 * the same data folder is refused naming the first. Also: a bad setting, an unusable data
 * folder or a taken port stops the launcher at once (exit 2) with one line saying what is wrong.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, scratchDir } from '../prisma/tools/local/scratch';
import { childrenOf, cmdlineOf, databaseUrlVariablesOf, environOf, hasProc } from './harness/proc';
import { stackPorts } from './harness/ports';
import { eventually, GiveUp } from './harness/eventually';
import { postGraphQL } from './harness/stack';

const ROOT = path.resolve(__dirname, '..');
jest.setTimeout(180_000);

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The launcher in its own process group, as a shell runs a foreground job. */
function launch(env: NodeJS.ProcessEnv): Launched {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'deploy/local/start.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(l: Launched, text: string, ms = 120_000): Promise<void> {
  await eventually(
    () => {
      if (l.output().includes(text)) return true;
      if (l.child.exitCode !== null) throw new GiveUp(`launcher exited (${l.child.exitCode}):\n${l.output()}`);
      throw new Error(`its output so far:\n${l.output()}`);
    },
    { what: `"${text}"`, timeoutMs: ms, intervalMs: 200 },
  );
}

/** The database URL variables of the launcher's service processes, by service (Linux /proc). */
function databaseUrlsOfServices(launcherPid: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pid of childrenOf(launcherPid)) {
    const entry = cmdlineOf(pid)
      .map((a) => /(?:subgraphs\/(\w+)|(gateway))\/main\.[jt]s$/.exec(a))
      .find(Boolean);
    if (entry) out[entry[1] ?? entry[2] ?? '?'] = databaseUrlVariablesOf(pid); // the embedded PostgreSQL is not a service
  }
  return out;
}

/** Ctrl-C at a terminal: SIGINT to every process of the foreground process group (if it still runs). */
const ctrlC = (l: Launched) => {
  if (l.child.exitCode === null && l.child.signalCode === null) process.kill(-l.child.pid!, 'SIGINT');
};

/** The pid of the launcher's service process running `entry` (e.g. subgraphs/data/main). */
function servicePid(launcherPid: number, entry: string): number | undefined {
  return childrenOf(launcherPid).find((pid) => cmdlineOf(pid).some((a) => a.includes(entry)));
}

/** The error and fatal log lines of an output, less the launcher's reports of a service it restarts. */
const errorLines = (out: string) =>
  out.split('\n').filter((l) => /"level":(50|60)/.test(l) && !/ died \((killed by|exit code)/.test(l));

const VIEW = `query($id: ID!) { account(id: $id) { id name quote { text language } imageData { id url } events { eventName } eventCount } }`;

let dir: string;
let env: NodeJS.ProcessEnv;
let gatewayUrl: string;

beforeAll(async () => {
  dir = scratchDir('account-graph-start-');
  const [gw, a, d, i, pg] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  env = {
    ...process.env,
    EMBEDDED_PG_DIR: path.join(dir, 'pg'),
    EMBEDDED_PG_PORT: String(pg),
    GATEWAY_PORT: String(gw),
    ACCOUNT_PORT: String(a),
    DATA_PORT: String(d),
    IMAGE_PORT: String(i),
    LOG_LEVEL: 'warn',
  };
  // The test run's own databases must not leak in: with no URLs the launcher embeds its own.
  for (const k of ['ACCOUNT_DATABASE_URL', 'DATA_DATABASE_URL', 'IMAGE_DATABASE_URL', 'SEED_ACCOUNTS']) delete env[k];
  gatewayUrl = `http://127.0.0.1:${gw}/graphql`;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('starts, serves the seeded aggregated view, stops on SIGINT and keeps its data across restarts', async () => {
  const first = launch(env);
  try {
    await waitFor(first, 'Account graph is up');
    expect(first.output()).toContain(gatewayUrl);
    // A second `npm start` on the same data folder is refused at once, naming the running one.
    const twice = launch({ ...env, GATEWAY_PORT: String(await freePort()) });
    expect(await twice.exited).toBe(2);
    expect(twice.output()).toMatch(
      /^a stack is already running on this data folder: its PostgreSQL \(pid \d+, port \d+\) holds .*postmaster\.pid, started by pid \d+ \(.*deploy\/local\/start\.ts\)\. Stop it/,
    );
    if (hasProc) {
      // The launcher has all three URLs (and inherits this test run's admin URL); its children only their own.
      expect(databaseUrlsOfServices(first.child.pid!)).toEqual({
        account: ['ACCOUNT_DATABASE_URL'],
        data: ['DATA_DATABASE_URL'],
        image: ['IMAGE_DATABASE_URL'],
        gateway: [],
      });
    }
    const view = await postGraphQL<any>(gatewayUrl, VIEW, { id: '10042' });
    expect(view.errors).toBeUndefined();
    expect(view.data.account).toMatchObject({
      id: '10042',
      name: 'Person_42',
      quote: { language: 'en' },
      imageData: { id: '10042', url: 'http://path.to.some.image/10042.png' },
      events: [{ eventName: 'CREATED' }],
      eventCount: 1,
    });
    const page = await postGraphQL<any>(
      gatewayUrl,
      '{ accounts(first: 100, namePrefix: "Person_") { edges { node { id } } pageInfo { hasNextPage } } }',
    );
    expect(page.data.accounts.edges.map((e: any) => e.node.id)).toEqual(
      Array.from({ length: 100 }, (_, n) => String(10000 + n)),
    );
    expect(page.data.accounts.pageInfo.hasNextPage).toBe(false);
    const created = await postGraphQL<any>(gatewayUrl, 'mutation { createAccount(name: "Survivor") { id } }');
    const survivorId = created.data.createAccount.id as string;
    await postGraphQL<any>(gatewayUrl, 'mutation { renameAccount(id: "10005", name: "Renamed") { id } }');

    if (hasProc) {
      // Nothing but the launcher is in the launcher's process group: a terminal's Ctrl-C
      // reaches neither the services nor PostgreSQL directly. (tsx's esbuild service, a helper
      // of the launcher's own process that exists when tsx's transform cache was cold, stays.)
      const group = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
      const children = childrenOf(first.child.pid!).filter(
        (pid) => !cmdlineOf(pid).some((a) => a === '--service' || a.startsWith('--service=')),
      );
      expect(children.some((pid) => cmdlineOf(pid).some((a) => /postgres$/.test(a)))).toBe(true);
      expect(
        children.filter((pid) => group(pid) === group(first.child.pid!)).map((pid) => cmdlineOf(pid).join(' ')),
      ).toEqual([]);
    }
    // A subgraph that dies is started again, and the stack serves it again without a restart.
    const dataPid = servicePid(first.child.pid!, 'subgraphs/data/main');
    expect(dataPid).toBeDefined();
    process.kill(dataPid!, 'SIGKILL');
    await waitFor(first, 'data-subgraph died (killed by SIGKILL); restarting it in 500 ms', 30_000);
    let back: any;
    for (let i = 0; i < 150 && !(back?.data?.account?.eventCount >= 1 && !back.errors); i++) {
      await new Promise((r) => setTimeout(r, 200));
      back = await postGraphQL<any>(gatewayUrl, VIEW, { id: '10042' });
    }
    expect(back).toMatchObject({
      data: { account: { id: '10042', events: [{ eventName: 'CREATED' }], eventCount: 1 } },
    });
    expect(back.errors).toBeUndefined();
    const newDataPid = servicePid(first.child.pid!, 'subgraphs/data/main');
    expect(newDataPid).toBeDefined();
    expect(newDataPid).not.toBe(dataPid);

    ctrlC(first);
    expect({ code: await first.exited, log: first.output().slice(-4000) }).toMatchObject({ code: 0 });
    // Stopped in order: gateway, subgraphs, database; nothing failed on the way (a database
    // stopped first makes the relay and the subgraphs log errors: 57P03, connection refused).
    const order = ['Stopping: gateway', 'Stopping: subgraphs', 'Stopping: database', 'Stopped.'].map((l) =>
      first.output().indexOf(l),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(errorLines(first.output())).toEqual([]);
    await expect(fetch(gatewayUrl, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();

    const second = launch(env);
    let again: any, renamed: any;
    try {
      await waitFor(second, 'Account graph is up');
      again = await postGraphQL<any>(gatewayUrl, VIEW, { id: survivorId });
      // The rename's UPDATED event reaches the data context through the outbox, shortly after.
      for (let i = 0; i < 100; i++) {
        renamed = await postGraphQL<any>(gatewayUrl, VIEW, { id: '10005' });
        if (renamed.data?.account?.eventCount >= 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      ctrlC(second);
    }
    expect({ code: await second.exited, log: second.output().slice(-4000) }).toMatchObject({ code: 0 });
    expect(errorLines(second.output())).toEqual([]);
    expect(again.data.account).toMatchObject({ id: survivorId, name: 'Survivor' });
    // The restart neither lost nor re-seeded anything: the rename made before it stands.
    expect(renamed.data.account).toMatchObject({
      name: 'Renamed',
      events: [{ eventName: 'CREATED' }, { eventName: 'UPDATED' }],
      eventCount: 2,
    });
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
  }
});

test('REPLICAS=2: two processes of each service on P and P + 10, every URL in the banner, gateways given every replica', async () => {
  const ports = await stackPorts(2);
  const l = launch({ ...env, ...ports, REPLICAS: '2', EMBEDDED_PG_DIR: path.join(dir, 'replicas') });
  try {
    await waitFor(l, 'Account graph is up');
    const url = (variable: keyof typeof ports, k: number) =>
      `http://127.0.0.1:${Number(ports[variable]) + 10 * k}/graphql`;
    const banner = l.output().slice(l.output().indexOf('Account graph is up'));
    const all = (['GATEWAY_PORT', 'ACCOUNT_PORT', 'DATA_PORT', 'IMAGE_PORT'] as const).flatMap((v) => [
      url(v, 0),
      url(v, 1),
    ]);
    for (const u of all) {
      expect(banner).toContain(u);
      expect((await fetch(u.replace(/graphql$/, 'health'))).status).toBe(200);
    }
    if (hasProc) {
      const services = childrenOf(l.child.pid!)
        .map((pid) => ({ pid, entry: cmdlineOf(pid).find((a) => /(subgraphs\/\w+|gateway)\/main\.[jt]s$/.test(a)) }))
        .filter((s) => s.entry);
      expect(services).toHaveLength(8);
      const envOf = (entry: string) =>
        services
          .filter((s) => s.entry!.includes(entry))
          .map((s) => environOf(s.pid))
          .sort((a, b) => Number(a.ACCOUNT_PORT ?? a.GATEWAY_PORT) - Number(b.ACCOUNT_PORT ?? b.GATEWAY_PORT));
      // One outbox relay: the first account process's.
      expect(envOf('subgraphs/account/main').map((e) => [e.ACCOUNT_PORT, e.OUTBOX_RELAY])).toEqual([
        [ports.ACCOUNT_PORT, undefined],
        [String(Number(ports.ACCOUNT_PORT) + 10), 'false'],
      ]);
      for (const gw of envOf('gateway/main')) {
        expect(gw.ACCOUNT_SUBGRAPH_URL).toBe(`${url('ACCOUNT_PORT', 0)},${url('ACCOUNT_PORT', 1)}`);
        expect(gw.DATA_SUBGRAPH_URL).toBe(`${url('DATA_PORT', 0)},${url('DATA_PORT', 1)}`);
        expect(gw.IMAGE_SUBGRAPH_URL).toBe(`${url('IMAGE_PORT', 0)},${url('IMAGE_PORT', 1)}`);
      }
    }
  } finally {
    ctrlC(l);
  }
  expect({ code: await l.exited, log: l.output().slice(-4000) }).toMatchObject({ code: 0 });
  expect(l.output()).toContain('Stopping: gateways');
  expect(errorLines(l.output())).toEqual([]);
});

describe('what stops the launcher at once, with one line saying why', () => {
  test.each([
    ['abc', 'invalid configuration: GATEWAY_PORT: must be an integer from 1 to 65535 (got "abc")'],
    ['0', 'invalid configuration: GATEWAY_PORT: must be an integer from 1 to 65535 (got "0")'],
  ])('GATEWAY_PORT=%s: exit 2, one line, no stack trace, nothing started', async (value, line) => {
    const pgDir = path.join(dir, `never-${value}`);
    const l = launch({ ...env, GATEWAY_PORT: value, EMBEDDED_PG_DIR: pgDir });
    expect(await l.exited).toBe(2);
    expect(l.output()).toBe(`${line}\n`);
    expect(fs.existsSync(pgDir)).toBe(false);
  });

  test('a data folder PostgreSQL cannot use: exit 2, one line naming the folder and what is wrong with it', async () => {
    const pgDir = path.join(dir, 'not-postgres');
    fs.mkdirSync(path.join(pgDir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(pgDir, 'data', 'notes.txt'), 'my notes, not a database');
    const l = launch({ ...env, EMBEDDED_PG_DIR: pgDir });
    expect(await l.exited).toBe(2);
    expect(l.output()).toBe(
      `embedded PostgreSQL cannot use its data folder: ${path.join(pgDir, 'data')} is not empty and holds no PostgreSQL data (no PG_VERSION file); use an empty or new folder (EMBEDDED_PG_DIR)\n`,
    );
    expect(fs.readFileSync(path.join(pgDir, 'data', 'notes.txt'), 'utf8')).toBe('my notes, not a database');
  });

  test('a port already taken (here the second gateway’s, REPLICAS=2): exit 2, one line naming it, nothing started', async () => {
    const pgDir = path.join(dir, 'never-port');
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(Number(env.GATEWAY_PORT) + 10, '127.0.0.1', r));
    try {
      const l = launch({ ...env, REPLICAS: '2', EMBEDDED_PG_DIR: pgDir });
      expect(await l.exited).toBe(2);
      expect(l.output()).toBe(
        `port ${Number(env.GATEWAY_PORT) + 10} is in use by another program: it is the second gateway's (GATEWAY_PORT + 10); set GATEWAY_PORT to move it\n`,
      );
      expect(fs.existsSync(pgDir)).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
