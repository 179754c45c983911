/**
 * EXPERIMENT, not product code: a preload (`node --import tsx --import <this file>`) that
 * replaces the global fetch for plain-http requests with string bodies by node:http on a
 * keep-alive Agent, answering a minimal Response (ok, status, headers.get, text, json).
 * The gateway's subgraph data sources (gateway/resilience.ts) call the global fetch, so
 * this measures what a node:http (or undici.request) fetcher would save, without touching
 * the gateway's code: `npm run bench -- --experiment http-fetch`.
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 256 });
const original = globalThis.fetch;

type HeaderInit = Record<string, string> | [string, string][] | Headers | undefined;

function plainHeaders(h: HeaderInit): Record<string, string> {
  if (!h) return {};
  if (Array.isArray(h)) return Object.fromEntries(h);
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  return { ...(h as Record<string, string>) };
}

/** The part of Headers the gateway reads (get/has), over node's lower-cased header object. */
class NodeHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw)) yield [k, this.get(k)!];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  forEach(fn: (value: string, key: string) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }
}

function httpFetch(url: string, init: RequestInit | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const body = init?.body as string | undefined;
    const headers = plainHeaders(init?.headers as HeaderInit);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = http.request(url, { method: init?.method ?? 'GET', headers, agent, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          statusText: res.statusMessage ?? '',
          url,
          redirected: false,
          headers: new NodeHeaders(res.headers),
          text: async () => text,
          json: async () => JSON.parse(text) as unknown,
        } as unknown as Response);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
  if (url?.startsWith('http://') && (init?.body === undefined || typeof init.body === 'string')) return httpFetch(url, init);
  return original(input, init);
}) as typeof fetch;
