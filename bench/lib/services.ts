/**
 * The processes a benchmark or load test runs: the three subgraphs and the gateway from
 * their own entry modules (as `npm start` runs them, deploy/local), and the bench's own
 * servers (bench/baselines). Each is a real OS process on a free loopback port, its output
 * appended to a log file instead of the terminal, optionally with extra node flags
 * (`--cpu-prof`); each can be killed (SIGKILL, a crash) and started again on its port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS, withDatabaseUrls, type ContextName } from '../../platform/config';
import { freePort } from '../../prisma/tools/local/scratch';
import { waitHealthy, type ServiceProcess } from '../../deploy/local/processes';

export const ROOT = path.resolve(__dirname, '../..');

export interface ServiceOptions {
  name: string;
  /** Entry module relative to the repository root, without extension. */
  entry: string;
  env: NodeJS.ProcessEnv;
  port: number;
  /** Path answered with 200 once the service can serve (default /health). */
  healthPath?: string;
  logDir: string;
  /** Flags for node itself, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeArgs?: string[];
  /** Folder of the compiled project (bench/lib/build.ts): run `<build>/<entry>.js` on plain node instead of tsx. */
  build?: string;
  /** Readiness check instead of GET healthPath (servers without a health route: the stock gateway). */
  probe?: (baseUrl: string) => Promise<boolean>;
  /** A program that is not ours to run on node (a peer gateway's binary): run it as it is, `entry` only names it. */
  command?: { file: string; args: string[] };
}

export interface Service {
  name: string;
  port: number;
  baseUrl: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  alive(): boolean;
  /** Sends a signal (SIGKILL: a crash) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful: profiles are written), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnService(opts: ServiceOptions): Service {
  fs.mkdirSync(opts.logDir, { recursive: true });
  const log = fs.openSync(path.join(opts.logDir, `${opts.name}.log`), 'a');
  // tsx first, so that a preload among nodeArgs (--import bench/experiments/x.ts) may be TypeScript.
  const args = opts.build
    ? [...(opts.nodeArgs ?? []), path.join(opts.build, `${opts.entry}.js`)]
    : ['--import', 'tsx', ...(opts.nodeArgs ?? []), path.join(ROOT, `${opts.entry}.ts`)];
  const child = opts.command
    ? // Its own process (its CPU is what is measured), stopped by the bench like the others.
      spawn(opts.command.file, opts.command.args, {
        cwd: ROOT,
        env: opts.env,
        stdio: ['ignore', log, log],
        detached: true,
      })
    : spawn(process.execPath, args, {
        cwd: ROOT,
        env: opts.env,
        // An IPC channel: the service stops itself (platform/lifecycle.ts) if this process dies.
        stdio: ['ignore', log, log, 'ipc'],
        detached: true,
      });
  fs.closeSync(log);
  if (opts.command) {
    // No IPC channel to notice this process's end: stop it when this process exits.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.removeListener('exit', orphanGuard));
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!alive()) return;
    child.kill(signal);
    await exited;
  };
  return {
    name: opts.name,
    port: opts.port,
    baseUrl: `http://127.0.0.1:${opts.port}`,
    pid: child.pid ?? -1,
    child,
    exited,
    alive,
    kill,
    stop: async (graceMs = 10_000) => {
      if (!alive()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(timer);
    },
  };
}

async function waitProbe(svc: Service, probe: (baseUrl: string) => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!svc.alive()) throw new Error(`${svc.name} exited before it became ready`);
    if (await probe(svc.baseUrl).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${svc.name} was not ready within ${timeoutMs} ms`);
}

/** Spawns a service and waits until its health path answers 200. */
export async function startService(opts: ServiceOptions, timeoutMs = 60_000): Promise<Service> {
  const svc = spawnService(opts);
  const asLauncherSees: ServiceProcess = {
    spec: {
      name: opts.name,
      entry: opts.entry,
      env: opts.env,
      healthUrl: `${svc.baseUrl}${opts.healthPath ?? '/health'}`,
    },
    child: svc.child,
    exited: svc.exited,
    stop: svc.stop,
  };
  try {
    if (opts.probe) await waitProbe(svc, opts.probe, timeoutMs);
    else await waitHealthy(asLauncherSees, timeoutMs);
  } catch (err) {
    await svc.kill();
    const tail = fs.readFileSync(path.join(opts.logDir, `${opts.name}.log`), 'utf8').slice(-2_000);
    throw new Error(`${(err as Error).message}\n--- last output of ${opts.name} ---\n${tail}`, { cause: err });
  }
  return svc;
}

export interface StackOptions {
  urls: Record<ContextName, string>;
  logDir: string;
  /** Run the account context's outbox relay (off for read-only benchmarks: it polls). */
  relay: boolean;
  /** Extra node flags per service name ('gateway', 'account', ...). */
  nodeArgs?: Partial<Record<ContextName | 'gateway', string[]>>;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Compiled project to run (bench/lib/build.ts); sources through tsx when unset. */
  build?: string;
}

export interface Stack {
  subgraphs: Record<ContextName, Service>;
  gateway: Service;
  /** The environment every service shares (ports, subgraph URLs; no database URL: each subgraph gets only its own). */
  env: NodeJS.ProcessEnv;
  /** Starts a subgraph again on its port (after a kill) and waits until it is healthy. */
  restartSubgraph(name: ContextName): Promise<Service>;
  stop(): Promise<void>;
}

/**
 * The environment every service of the stack shares: loopback ports and subgraph URLs, and
 * no database URL (serviceEnv adds a process's own). Development mode without
 * SUBGRAPH_SECRET unless `extra` says otherwise: subgraphs then answer unsigned requests,
 * which the stock gateway and the fan-out baseline send.
 */
export function stackEnv(
  ports: Record<ContextName | 'gateway', number>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const { SUBGRAPH_SECRET: _inherited, ...inherited } = process.env;
  return withDatabaseUrls(
    {
      ...inherited,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      INSTANCE_NAME: 'bench',
      GATEWAY_PORT: String(ports.gateway),
      ACCOUNT_PORT: String(ports.account),
      DATA_PORT: String(ports.data),
      IMAGE_PORT: String(ports.image),
      ACCOUNT_SUBGRAPH_URL: `http://127.0.0.1:${ports.account}/graphql`,
      DATA_SUBGRAPH_URL: `http://127.0.0.1:${ports.data}/graphql`,
      IMAGE_SUBGRAPH_URL: `http://127.0.0.1:${ports.image}/graphql`,
      ...extra,
    },
    {},
    [],
  );
}

/**
 * One process's environment: `env` plus the database URLs of the contexts it reads and no
 * other. A subgraph gets its own context's; the gateway, the stock gateway and the fan-out
 * none; only the limit (one process over the three databases, on purpose) all three.
 */
export function serviceEnv(
  env: NodeJS.ProcessEnv,
  urls: Record<ContextName, string>,
  contexts: readonly ContextName[],
): NodeJS.ProcessEnv {
  return withDatabaseUrls(env, urls, contexts);
}

/** The three subgraphs and our gateway as separate processes, like `npm start`. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const ports = {
    gateway: await freePort(),
    account: await freePort(),
    data: await freePort(),
    image: await freePort(),
  };
  const env = stackEnv(ports, { OUTBOX_RELAY: String(opts.relay), ...opts.env });
  const subgraphOpts = (c: ContextName): ServiceOptions => ({
    name: `${c}-subgraph`,
    entry: `subgraphs/${c}/main`,
    env: serviceEnv(env, opts.urls, [c]),
    port: ports[c],
    logDir: opts.logDir,
    nodeArgs: opts.nodeArgs?.[c],
    build: opts.build,
  });
  const started: Service[] = [];
  const stopAll = async () => {
    for (const s of [...started].reverse()) await s.stop();
  };
  try {
    const list = await Promise.all(
      CONTEXTS.map((c) => startService(subgraphOpts(c)).then((s) => (started.push(s), s))),
    );
    const subgraphs = Object.fromEntries(CONTEXTS.map((c, i) => [c, list[i]!])) as Record<ContextName, Service>;
    const gateway = await startService({
      name: 'gateway',
      entry: 'gateway/main',
      env,
      port: ports.gateway,
      logDir: opts.logDir,
      nodeArgs: opts.nodeArgs?.gateway,
      build: opts.build,
    });
    started.push(gateway);
    return {
      subgraphs,
      gateway,
      env,
      restartSubgraph: async (c) => {
        await subgraphs[c].kill();
        subgraphs[c] = await startService(subgraphOpts(c));
        started.push(subgraphs[c]);
        return subgraphs[c];
      },
      stop: async () => {
        await gateway.stop();
        for (const c of CONTEXTS) await subgraphs[c].stop();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * A second gateway process over `stack`'s subgraphs with `env` changed (e.g. GATEWAY_COALESCE=false),
 * on a free port: for comparing a setting on and off in one run.
 */
export async function startGatewayVariant(
  stack: Stack,
  name: string,
  env: Record<string, string>,
  opts: { logDir: string; build?: string },
): Promise<Service> {
  const port = await freePort();
  return startService({
    name,
    entry: 'gateway/main',
    env: { ...stack.env, ...env, GATEWAY_PORT: String(port) },
    port,
    logDir: opts.logDir,
    build: opts.build,
  });
}
