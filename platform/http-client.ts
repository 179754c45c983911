/**
 * The one HTTP client for calls between our own processes (gateway → subgraphs, outbox
 * relay → data subgraph): an undici connection pool per origin, kept alive, with the
 * request deadline enforced by the pool's own timers.
 *
 * Why not the global `fetch`: Node 20's fetch wraps every string body and every response
 * in web streams and `AbortSignal.timeout` adds a DOMException-carrying signal per call;
 * profiled under load it was the gateway's largest CPU item, and `Pool.request` costs a
 * fraction of its CPU per call (BENCHMARKS.md has both numbers).
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

/** The WHATWG Headers interface (what a `fetch` caller may use) over undici's lower-cased object. */
class ResponseHeaders {
  constructor(private raw: ClientResponse['headers']) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw)) if (this.raw[k] !== undefined) yield [k, this.get(k)!];
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  forEach(fn: (value: string, key: string) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  /** Changes this view only: answers shared by deduplicated callers are copied on first write. */
  set(name: string, value: string): void {
    this.own();
    this.raw[name.toLowerCase()] = value;
  }
  append(name: string, value: string): void {
    const had = this.get(name);
    this.set(name, had === null ? value : `${had}, ${value}`);
  }
  delete(name: string): void {
    this.own();
    this.raw[name.toLowerCase()] = undefined;
  }
  private copied = false;
  private own(): void {
    if (!this.copied) this.raw = { ...this.raw };
    this.copied = true;
  }
}

/** What a `fetch`-shaped caller (Apollo's RemoteGraphQLDataSource) reads of a response. */
export interface FetchLikeResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  redirected: false;
  bodyUsed: false;
  headers: ResponseHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
  clone(): FetchLikeResponse;
}

export interface FetchLikeInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * A `fetch`-shaped view of an answer. Each call makes a new view whose `json()` parses the
 * text anew, so callers that share one answer (in-flight deduplication) share no objects.
 */
export function fetchLike(url: string, res: ClientResponse): FetchLikeResponse {
  return {
    ok: res.status >= 200 && res.status < 300,
    status: res.status,
    statusText: STATUS_TEXT[res.status] ?? '',
    url,
    redirected: false,
    bodyUsed: false,
    headers: new ResponseHeaders(res.headers),
    text: async () => res.text,
    json: async () => JSON.parse(res.text) as unknown,
    arrayBuffer: async () => new TextEncoder().encode(res.text).buffer,
    clone: () => fetchLike(url, res),
  };
}

/** The options of every pool of ours: `connections` per origin, kept alive, the deadline on every phase. */
export const poolOptions = (opts: HttpClientOptions): Pool.Options => ({
  connections: opts.connections ?? 128,
  headersTimeout: opts.timeoutMs,
  bodyTimeout: opts.timeoutMs,
  connectTimeout: opts.timeoutMs,
  keepAliveTimeout: 10_000,
});

/**
 * Sends one request to `url`'s path through `dispatcher` (a Pool, or a BalancedPool whose
 * upstream supplies the origin) and reads the whole answer; rejects on network errors and timeouts only.
 * `extra` travels with the request options to the dispatcher (gateway/upstream/replicas.ts routes by it).
 */
export async function sendWith(
  dispatcher: Dispatcher,
  url: string,
  init: FetchLikeInit = {},
  extra: object = {},
): Promise<ClientResponse> {
  const target = new URL(url);
  const { statusCode, headers, body } = await dispatcher.request({
    ...extra,
    path: target.pathname + target.search,
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers,
    body: init.body,
  });
  return { status: statusCode, headers, text: await body.text() };
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
  async send(url: string, init: FetchLikeInit = {}): Promise<ClientResponse> {
    return sendWith(this.pool(new URL(url).origin), url, init);
  }

  /** A `fetch`-shaped function over `send`, for libraries that take a fetcher. */
  readonly fetch = async (url: string, init?: FetchLikeInit): Promise<FetchLikeResponse> =>
    fetchLike(url, await this.send(url, init));

  /** Closes every pool; requests in flight finish first. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
