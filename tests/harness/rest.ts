/** Requests to the gateway's REST shim for the REST contract tests: status, type, headers, text and JSON. */
import http from 'node:http';
export interface RestReply {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  json: any;
}

/** One request; fails (rather than hangs) when no reply comes within 15 s, whatever is down. */
export async function restCall(port: number, method: string, path: string, body?: string): Promise<RestReply> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, text, json };
}

/** A reply as sent on the wire: header names lower-cased, raw body text, redirects not followed. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * One request exactly as given (the path is sent unnormalised: `//`, `..`, a trailing slash
 * stay; headers only those given, plus Host and, with a body, Content-Length).
 */
export function rawCall(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const headers: Record<string, string | number> = { ...opts.headers };
    if (body) headers['content-length'] = body.length;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: out, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no reply to ${method} ${path} within 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
