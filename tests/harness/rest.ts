/** Requests to the gateway's REST shim for the REST contract tests: status, type, headers, text and JSON. */
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
