/**
 * Child processes of the local launcher: one per service, each a real OS process (as in
 * production), started with its environment, waited on until healthy, stopped with
 * SIGTERM (SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../../platform/logger';

const ROOT = path.resolve(__dirname, '../..');

export interface ServiceSpec {
  name: string;
  /** Entry module relative to the repository root, without extension (e.g. subgraphs/account/main). */
  entry: string;
  env: NodeJS.ProcessEnv;
  healthUrl: string;
}

export interface ServiceProcess {
  spec: ServiceSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

/** Runs TypeScript sources through tsx, or the compiled .js next to this file after `npm run build`. */
function command(entry: string): string[] {
  const compiled = __filename.endsWith('.js');
  return compiled ? [path.join(ROOT, `${entry}.js`)] : ['--import', 'tsx', path.join(ROOT, `${entry}.ts`)];
}

export function startService(spec: ServiceSpec, log: Logger): ServiceProcess {
  // Own process group (a terminal's Ctrl-C reaches only the launcher, which stops the
  // services in order) and an IPC channel, whose loss stops the service if the launcher dies.
  const child = spawn(process.execPath, command(spec.entry), {
    cwd: ROOT,
    env: spec.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return {
    spec,
    child,
    exited,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        log.warn({ service: spec.name }, 'did not stop in time; killing');
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls the service's health URL until it answers 200; fails if the process exits first. */
export async function waitHealthy(svc: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void svc.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${svc.spec.name} exited with code ${exitCode} before it became healthy`);
    try {
      const res = await fetch(svc.spec.healthUrl, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${svc.spec.name} was not healthy at ${svc.spec.healthUrl} within ${timeoutMs} ms`);
}
