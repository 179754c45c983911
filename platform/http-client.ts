/**
 * The one HTTP client for calls between our own processes (gateway → subgraphs, outbox
 * relay → data subgraph): an undici connection pool per origin, kept alive, with the
 * request deadline enforced by the pool's own timers.
 *
 * Why not the global `fetch`: Node 20's fetch wraps every string body and every response
 * in web streams and `AbortSignal.timeout` adds a DOMException-carrying signal per call;
 * profiled under load it was the gateway's largest CPU item, and `Pool.request` costs a
 * fraction of its CPU per call (BENCHMARKS.md has both numbers). The answer is collected
 * through undici's handler interface (`dispatch`) rather than `request()`'s body stream: our
 * services answer small JSON bodies that are read whole anyway.
 *
 * What its failures mean (not sent, lost, a deadline) is platform/network-errors.ts's to say.
 */
import { Pool, type Dispatcher } from 'undici';

export interface HttpClientOptions {
  /**
   * Deadline for the answer's headers (our services send the whole JSON answer at once, so
   * this is the time the other side takes to compute it) and, separately, for any pause
   * while the body streams in.
   */
  timeoutMs: number;
  /** Most open connections per origin (default 128). */
  connections?: number;
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request to one of our services: the body is always a whole string (our services speak JSON). */
export interface ClientRequest {
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

/** The options of every pool of ours: `connections` per origin, kept alive, the deadline on every phase. */
export const poolOptions = (opts: HttpClientOptions): Pool.Options => ({
  connections: opts.connections ?? 128,
  headersTimeout: opts.timeoutMs,
  bodyTimeout: opts.timeoutMs,
  connectTimeout: opts.timeoutMs,
  keepAliveTimeout: 10_000,
});

/** A URL's path and query, what a request to its origin's pool names. */
export const pathOf = (url: string | URL): string => {
  const u = typeof url === 'string' ? new URL(url) : url;
  return u.pathname + u.search;
};

/**
 * One whole answer collected through undici's handler interface (`Dispatcher.dispatch`): the
 * status and headers, then the body's chunks decoded once at the end as `body.text()` does (UTF-8,
 * a leading BOM skipped). No body stream and no async resource per request, which `request()`
 * adds; the same errors (network, deadlines, a body cut short) reach `onResponseError`.
 */
class WholeAnswer implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: ClientResponse['headers'] = {};
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly resolve: (answer: ClientResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(_: Dispatcher.DispatchController, statusCode: number, headers: ClientResponse['headers']): void {
    if (statusCode < 200) return; // informational: the answer follows
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const bom = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    this.resolve({ status: this.status, headers: this.headers, text: body.toString('utf8', bom ? 3 : 0) });
  }

  onResponseError(_: Dispatcher.DispatchController, err: Error): void {
    this.reject(err);
  }
}

/**
 * Sends one request for `path` through `dispatcher` (a Pool, or a BalancedPool whose upstream
 * supplies the origin) and reads the whole answer; rejects on network errors and timeouts only.
 * `extra` travels with the request options to the dispatcher (gateway/upstream/replicas.ts routes by it).
 */
export function sendWith(
  dispatcher: Dispatcher,
  path: string,
  init: ClientRequest = {},
  extra: object = {},
): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(
      { ...extra, path, method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body },
      new WholeAnswer(resolve, reject),
    );
  });
}

export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly opts: HttpClientOptions) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      if (this.closed) throw new Error('HTTP client is closed');
      pool = new Pool(origin, poolOptions(this.opts));
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Sends one request and reads the whole answer; rejects on network errors and timeouts only. */
  async send(url: string, init: ClientRequest = {}): Promise<ClientResponse> {
    const target = new URL(url);
    return sendWith(this.pool(target.origin), pathOf(target), init);
  }

  /** Closes every pool; requests in flight finish first. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
