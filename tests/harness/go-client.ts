/**
 * A request as goblog's Go clients sent it: a new TCP connection per request (dbloadtest
 * and loadtest made a new http.Transport per call), HTTP/1.1 with Go's own headers
 * (`User-Agent: Go-http-client/1.1`, `Accept-Encoding: gzip`, Content-Length with a body)
 * and no `Connection` header (Go's transport sends none), exactly as given otherwise: no
 * Content-Type unless the caller adds one. Node's own client always adds a Connection header,
 * hence the raw socket. The reply is read until the server closes the connection or, when
 * it keeps it open, until its Content-Length is complete; `closedByServer` says which.
 */
import net from 'node:net';
import type { RawReply } from './rest';

export interface GoReply extends RawReply {
  /** The server closed the connection after the answer (what `Connection: close` promises). */
  closedByServer: boolean;
}

export function goCall(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<GoReply> {
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'User-Agent: Go-http-client/1.1'];
  if (body) lines.push(`Content-Length: ${body.length}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  lines.push('Accept-Encoding: gzip');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no complete reply to ${method} ${path} within 15 s`)), 15_000);
    function finish(err: Error | undefined, closedByServer = false) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) return reject(err);
      const reply = parse(Buffer.concat(chunks));
      if (!reply) return reject(new Error(`incomplete reply to ${method} ${path}`));
      resolve({ ...reply, closedByServer });
    }
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const reply = parse(Buffer.concat(chunks));
      // Complete and the connection still open: give the server a moment to close it as promised.
      if (reply && reply.headers.connection !== 'close') setTimeout(() => finish(undefined, false), 200);
    });
    socket.on('end', () => finish(undefined, true));
    socket.on('error', (err) => finish(err));
    socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body ?? Buffer.alloc(0)]));
  });
}

/** Status line, headers (lower-cased) and a Content-Length body; undefined until complete. */
function parse(buf: Buffer): RawReply | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...headerLines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const rest = buf.subarray(end + 4);
  if (rest.length < length) return undefined;
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    text: rest.subarray(0, length).toString('utf8'),
  };
}
