/**
 * Graceful shutdown on SIGINT/SIGTERM: run the stop hooks once, a second signal forces exit.
 * The HTTP server drains within CLOSE_GRACE_MS (drain.ts); the rest of the stop (workers,
 * pools) gets 5 s more before the process gives up and exits 1.
 */
import { CLOSE_GRACE_MS } from './drain';
import type { Logger } from './logger';

export const SHUTDOWN_TIMEOUT_MS = CLOSE_GRACE_MS + 5_000;

export function onShutdown(log: Logger, stop: () => Promise<void>, timeoutMs = SHUTDOWN_TIMEOUT_MS): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  // Started by the local launcher with an IPC channel: stop when the launcher is gone.
  if (process.send) process.on('disconnect', () => handler('SIGHUP'));
}
