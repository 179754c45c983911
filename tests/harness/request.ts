/**
 * Raw HTTP requests for tests that need control over what goes on the wire (exact body
 * bytes for signatures, chunked bodies without a content-length, any method, any path):
 * node:http, with the reply's status, headers, text and parsed JSON (undefined when not JSON).
 */
import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  /** The request went over a kept-alive socket (with an `agent` that keeps them). */
  reusedSocket: boolean;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent with a content-length. */
  body?: string;
  /** Sent chunked, without a content-length. */
  chunks?: string[];
  /** Default: a fresh connection per request. */
  agent?: http.Agent;
  /** How long to wait for the reply before failing. @default 15000 */
  timeoutMs?: number;
}

/** One request; fails (rather than hangs) when no reply comes within `timeoutMs`. */
export function request(url: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, reusedSocket: req.reusedSocket });
      });
    });
    const timeoutMs = opts.timeoutMs ?? 15_000;
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no reply from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else {
      for (const c of opts.chunks ?? []) req.write(c);
      req.end();
    }
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** POSTs a GraphQL request (JSON) to `url` with extra headers. */
export const postJson = (url: string, payload: unknown, headers: Record<string, string> = {}, timeoutMs?: number) =>
  request(url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    timeoutMs,
  });
