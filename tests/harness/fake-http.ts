/**
 * Tiny real HTTP servers on 127.0.0.1 that misbehave on purpose (5xx, resets, silence,
 * slow answers), for the tests of the HTTP client and the gateway's data sources. Each
 * counts what really reached it: requests, bodies and TCP connections.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with its n-th request (1-based). */
export type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

export interface FakeServer {
  url: string;
  /** Requests received so far (counted on arrival, before any answer). */
  readonly requests: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** The request bodies received, parsed as JSON ({} when not JSON). */
  readonly bodies: Array<{ query?: string; variables?: unknown; operationName?: string }>;
  /** The request headers received. */
  readonly headers: http.IncomingHttpHeaders[];
  /** Changes what the server does from the next request on. */
  behave(next: Behaviour): void;
  close(): Promise<void>;
}

const open: FakeServer[] = [];
const timers = new Set<NodeJS.Timeout>();

export async function startFakeServer(behaviour: Behaviour, path = '/graphql'): Promise<FakeServer> {
  let current = behaviour;
  let requests = 0;
  let connections = 0;
  const bodies: FakeServer['bodies'] = [];
  const headers: FakeServer['headers'] = [];
  const server = http.createServer((req, res) => {
    const n = ++requests;
    headers.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        bodies.push({});
      }
      current(req, res, n);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}${path}`,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    bodies,
    headers,
    behave: (next) => {
      current = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.push(fake);
  return fake;
}

/** Closes every fake server and cancels pending delayed answers (call in afterEach). */
export async function closeFakeServers(): Promise<void> {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  await Promise.all(open.splice(0).map((s) => s.close()));
}

export const status =
  (code: number, body = 'boom', contentType = 'text/plain'): Behaviour =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': contentType });
    res.end(body);
  };

export const data =
  (payload: Record<string, unknown>): Behaviour =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: payload }));
  };

/** Connection reset: the socket is destroyed without a single byte of answer. */
export const reset: Behaviour = (req) => {
  req.socket.destroy();
};

/** Never answers (the client's timeout has to end it). */
export const hang: Behaviour = () => undefined;

export const delayed =
  (ms: number, then: Behaviour): Behaviour =>
  (req, res, n) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!res.destroyed) then(req, res, n);
    }, ms);
    timers.add(t);
  };

/** The first `count` requests get `first`, the rest `then`. */
export const firstN =
  (count: number, first: Behaviour, then: Behaviour): Behaviour =>
  (req, res, n) =>
    (n <= count ? first : then)(req, res, n);
