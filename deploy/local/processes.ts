/**
 * Child processes of the local launcher: one per service, each a real OS process (as in
 * production), started with its environment, waited on until healthy, stopped with
 * SIGTERM (SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from '../../platform/logger';

const ROOT = path.resolve(__dirname, '../..');

export interface ServiceSpec {
  name: string;
  /** Entry module relative to the repository root, without extension (e.g. subgraphs/account/main). */
  entry: string;
  env: NodeJS.ProcessEnv;
  healthUrl: string;
  /**
   * Receives each line the process writes (stdout and stderr), e.g. to show its JSON logs
   * readably; unset: the process writes to the launcher's own stdout and stderr.
   */
  lines?: (line: string) => void;
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
    stdio: ['ignore', spec.lines ? 'pipe' : 'inherit', spec.lines ? 'pipe' : 'inherit', 'ipc'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream && spec.lines) readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', spec.lines);
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
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
    if (exitCode !== undefined)
      throw new Error(`${svc.spec.name} exited with code ${exitCode} before it became healthy`);
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

export interface SupervisedService {
  readonly spec: ServiceSpec;
  /** The running process (a new one after each restart). */
  current(): ServiceProcess;
  /** How many times it was started again after dying. */
  restarts(): number;
  /** Stops it for good: no restart after this. */
  stop(): Promise<void>;
}

export interface RestartPolicy {
  /** Delay before the first restart, doubled after each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A process that stayed up this long resets the delay to baseDelayMs. */
  stableMs: number;
}

const DEFAULT_RESTARTS: RestartPolicy = { baseDelayMs: 500, maxDelayMs: 30_000, stableMs: 30_000 };

const why = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `killed by ${signal}` : `exit code ${code}`;

/**
 * Keeps a healthy service running: when its process dies (a crash, a kill), it is logged
 * with the reason and started again after a backoff (500 ms, doubling up to 30 s; back to
 * 500 ms once a process stayed up 30 s), so that the rest of the stack keeps serving and
 * "a context is down" can be tried by killing one.
 */
export function supervise(
  first: ServiceProcess,
  log: Logger,
  policy: RestartPolicy = DEFAULT_RESTARTS,
): SupervisedService {
  let current = first;
  let restarts = 0;
  let delay = policy.baseDelayMs;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let startedAt = Date.now();

  const watch = (svc: ServiceProcess) => {
    svc.child.once('exit', (code, signal) => {
      if (stopped || svc !== current) return;
      if (Date.now() - startedAt >= policy.stableMs) delay = policy.baseDelayMs;
      log.error(
        { service: svc.spec.name, code, signal, restartInMs: delay },
        `${svc.spec.name} died (${why(code, signal)}); restarting it in ${delay} ms`,
      );
      timer = setTimeout(() => {
        if (stopped) return;
        restarts++;
        startedAt = Date.now();
        current = startService(svc.spec, log);
        watch(current);
        waitHealthy(current).then(
          () => log.info({ service: svc.spec.name, restarts }, `${svc.spec.name} is back`),
          (err: unknown) => log.error({ service: svc.spec.name, err }, `${svc.spec.name} did not come back healthy`),
        );
      }, delay);
      delay = Math.min(policy.maxDelayMs, delay * 2);
    });
  };
  watch(first);
  return {
    spec: first.spec,
    current: () => current,
    restarts: () => restarts,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current.stop();
    },
  };
}
