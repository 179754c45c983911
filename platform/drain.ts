/**
 * Graceful close of an HTTP server whose clients keep connections alive and keep sending.
 * `server.close()` alone stops accepting new connections but serves every request that
 * arrives on an open one, so a busy keep-alive client holds shutdown open forever; and
 * destroying connections that look idle resets a request the client is writing just then.
 *
 * Here, from the moment close() is called:
 * - no new connection is accepted (the listening socket is closed);
 * - every response not yet started, in flight or arriving later on an open connection,
 *   carries `Connection: close`: the client gets its answer and knows not to reuse the
 *   connection, which Node then ends;
 * - a connection with no request in flight is given a short linger (a client in a loop
 *   sends its next request within it, and gets the answer above), then closed;
 * - after the grace period whatever is still open is destroyed (and logged).
 */
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import type { Logger } from './logger';

/** How long a connection with nothing in flight may still bring one request, once closing. */
export const IDLE_LINGER_MS = 250;
/** Default grace period of close(): below platform/lifecycle.ts's shutdown timeout. */
export const CLOSE_GRACE_MS = 10_000;

export interface Drain {
  /** Call first thing for every request. */
  track(req: IncomingMessage, res: ServerResponse): void;
  close(graceMs?: number): Promise<void>;
}

export function drainOnClose(server: http.Server, log: Logger): Drain {
  /** Responses in flight per connection. */
  const inFlight = new Map<Socket, Set<ServerResponse>>();
  let closing = false;

  const retire = (socket: Socket) => {
    const timer = setTimeout(() => {
      if ((inFlight.get(socket)?.size ?? 0) === 0) socket.destroy();
    }, IDLE_LINGER_MS);
    timer.unref();
  };

  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, new Set());
    socket.once('close', () => inFlight.delete(socket));
    if (closing) socket.destroy(); // accepted in the instant before the listener closed
  });

  return {
    track(req, res) {
      const socket = req.socket;
      const responses = inFlight.get(socket) ?? new Set<ServerResponse>();
      inFlight.set(socket, responses);
      responses.add(res);
      if (closing) res.setHeader('connection', 'close');
      res.once('close', () => {
        responses.delete(res);
        if (closing && responses.size === 0 && !socket.destroyed) retire(socket);
      });
    },

    close(graceMs = CLOSE_GRACE_MS) {
      if (closing) return Promise.resolve();
      closing = true;
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          const open = [...inFlight.values()].reduce((n, r) => n + r.size, 0);
          log.warn(
            { graceMs, connections: inFlight.size, requestsInFlight: open },
            'HTTP connections still open after the grace period; closing them',
          );
          server.closeAllConnections();
        }, graceMs);
        force.unref();
        // net.Server's close: stop listening, call back once every connection has ended.
        // (http.Server's close() would also destroy the connections that look idle at once.)
        net.Server.prototype.close.call(server, () => {
          clearTimeout(force);
          resolve();
        });
        for (const [socket, responses] of inFlight) {
          for (const res of responses) if (!res.headersSent) res.setHeader('connection', 'close');
          if (responses.size === 0) retire(socket);
        }
      });
    },
  };
}
