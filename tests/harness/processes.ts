/**
 * Subgraphs as real child processes for fault tests: each one is `node --import tsx
 * subgraphs/<context>/main.ts` with its configuration in the environment, as in
 * production, so that a test can SIGKILL it (or freeze it) and start it again on the same
 * port. Output is captured (the tail is kept) rather than inherited, so that the warnings
 * a fault provokes do not flood the test output; `output()` shows it when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { withDatabaseUrls, type ContextName } from '../../platform/config';
import { testDatabaseUrls } from './db';
import { eventually, GiveUp } from './eventually';

const ROOT = path.resolve(__dirname, '../..');
const KEEP_OUTPUT = 64 * 1024;
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface SubgraphProcess {
  context: ContextName;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  graphqlUrl: string;
  child: ChildProcess;
  exited: Promise<void>;
  alive(): boolean;
  /** The last 64 KiB the process wrote to stdout and stderr. */
  output(): string;
  /** How many log lines of each level and message (`warn: outbox deliveries failed; will retry`) it wrote, all along. */
  logCounts(): Map<string, number>;
  /** Sends `signal` (SIGKILL by default) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `subgraphs/<context>/main.ts` listening on 127.0.0.1:`port`, with `env` over the
 * test's environment, less every database URL but the context's own (as in production).
 */
export function spawnSubgraph(context: ContextName, port: number, env: Record<string, string>): SubgraphProcess {
  const portVar = `${context.toUpperCase()}_PORT`;
  const inherited = withDatabaseUrls(process.env, testDatabaseUrls(), [context]);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'subgraphs', context, 'main.ts')], {
    cwd: ROOT,
    env: { ...inherited, HOST: '127.0.0.1', INSTANCE_NAME: `fault-${context}`, ...env, [portVar]: String(port) },
    // The IPC channel makes the child stop itself (platform/lifecycle.ts) if this test process dies.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let partial = '';
  const counts = new Map<string, number>();
  const keep = (d: Buffer) => {
    const text = d.toString();
    out += text;
    if (out.length > KEEP_OUTPUT) out = out.slice(-KEEP_OUTPUT);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let key = 'unparsed';
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        key = `${LEVELS[entry.level ?? 0] ?? entry.level}: ${entry.msg}`;
      } catch {
        // not a pino line (a stack trace, a warning from node)
      }
      if (line.trim()) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    context,
    baseUrl,
    graphqlUrl: `${baseUrl}/graphql`,
    child,
    exited,
    alive,
    output: () => out,
    logCounts: () => counts,
    kill: async (signal = 'SIGKILL') => {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Polls GET /ready (the process serves and reaches its database) until 200; fails if the process exits first. */
export async function waitReady(p: SubgraphProcess, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      if (!p.alive())
        throw new GiveUp(
          `${p.context} subgraph exited (${p.child.exitCode ?? p.child.signalCode}) before it was ready:\n${p.output()}`,
        );
      const res = await fetch(`${p.baseUrl}/ready`, { signal: AbortSignal.timeout(1_000) }); // throws: not listening yet
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`/ready answered ${res.status}; output:\n${p.output()}`);
      return true;
    },
    { what: `${p.context} subgraph ready at ${p.baseUrl}/ready`, timeoutMs, intervalMs: 100 },
  );
}
