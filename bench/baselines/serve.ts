/**
 * The little HTTP frame the bench's own servers share (the REST fan-out baseline and the
 * limit): node:http with keep-alive like platform/http.ts, `GET /accounts/{id}` handed to
 * an aggregator, `/health` for the launcher, the REST shim's 404/503 answers, and a process
 * entry helper that reads the port from the environment and stops on SIGTERM or when the
 * parent goes away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from '../../platform/http';
import { PARTIAL_HEADER, type LegacyAccount } from '../../gateway/rest/legacy';

/** What an aggregator answers for one id: the legacy body and the replaced parts, or not found. */
export type Aggregate = (id: string) => Promise<{ body: LegacyAccount; missing: string[] } | null>;

export interface RunningServer {
  server: http.Server;
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

const ACCOUNT_PATH = /^\/accounts\/([^/]+)$/;

export function accountListener(aggregate: Aggregate): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') return sendJson(res, 200, { status: 'UP' });
    const m = req.method === 'GET' ? ACCOUNT_PATH.exec(url.pathname) : null;
    if (!m) return sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad percent-encoding');
      return;
    }
    aggregate(id).then(
      (found) => {
        if (!found) {
          res
            .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
            .end(`Account identified by '${id}' not found`);
          return;
        }
        sendJson(res, 200, found.body, found.missing.length > 0 ? { [PARTIAL_HEADER]: found.missing.join(', ') } : {});
      },
      (err: unknown) =>
        sendJson(res, 503, {
          error: 'the account context is unavailable; try again later',
          details: [(err as Error).message],
        }),
    );
  };
}

export async function listen(listener: http.RequestListener, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const server = http.createServer(listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    baseUrl: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** Process entry: starts, then stops on SIGTERM/SIGINT or when the parent's IPC channel closes. */
export function runProcess(start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (running) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      if (process.send) process.on('disconnect', stop);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** A required port from the environment (the bench sets BENCH_PORT). */
export function envPort(name = 'BENCH_PORT'): number {
  const port = Number(process.env[name]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${name} must be set to a port`);
  return port;
}
