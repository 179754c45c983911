/**
 * How the old Go services answered at the HTTP level, outside their handlers: what
 * gorilla/mux (NewRouter().StrictSlash(true), as goblog's routers were built) and Go's
 * net/http sent for an unclean path, a trailing slash, an unknown path or a method a path
 * does not take, and the one content type every old handler wrote (writeJSONResponse).
 * Kept apart from the route table so that the legacy paths answer these cases exactly as
 * the old router did while the rest of the gateway keeps its own conventions.
 * Also the two connection-level habits of the old service: `Connection: close` on every
 * answer (writeJSONResponse set it), and net/http's own `400 Bad Request` for a request
 * target it could not parse.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** writeJSONResponse's header: the old handlers sent every answer, error texts included, under it. */
export const LEGACY_CONTENT_TYPE = 'application/json';

/** The header naming an error's code (platform/errors.ts ErrorCode) next to an old-style text body. */
export const ERROR_CODE_HEADER = 'x-error-code';

/**
 * P13's writeJSONResponse sent `Connection: close` on every answer, and its clients were
 * built for it: the load-test clients make a new transport per request and never close the
 * bodies, so a kept-alive connection would stay open, idle, for the keep-alive timeout
 * (65 s) per request. A client that asks for keep-alive (`Connection: keep-alive`, as
 * HTTP/1.1 clients that pool connections and benchmarks may send) gets it.
 */
export function closeUnlessKeepAlive(req: IncomingMessage, res: ServerResponse): void {
  const asked = (req.headers.connection ?? '').toLowerCase().split(',');
  if (!asked.some((token) => token.trim() === 'keep-alive')) res.setHeader('connection', 'close');
}

/** A `%` not followed by two hex digits: Go's url.ParseRequestURI refused such a path. */
export const hasBadEscape = (rawPath: string): boolean => /%(?![0-9a-fA-F]{2})/.test(rawPath);

/**
 * net/http's answer to a request target it could not parse (server.go: `400 Bad Request`,
 * text/plain, the connection closed), before any router ran.
 */
export function sendGoBadRequest(req: IncomingMessage, res: ServerResponse): void {
  drain(req);
  const body = '400 Bad Request';
  res.writeHead(400, {
    'content-type': 'text/plain; charset=utf-8',
    connection: 'close',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Go's path.Clean, then the trailing slash put back (gorilla/mux cleanPath). */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  if (!p.startsWith('/')) p = `/${p}`;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let clean = `/${out.join('/')}`;
  if (p.endsWith('/') && clean !== '/') clean += '/';
  return clean;
}

/** The request's path and query as sent (before any normalisation), as Go's router saw them. */
export function rawTarget(req: IncomingMessage, fallbackPath: string): { path: string; query: string } {
  const raw = req.url ?? '/';
  if (!raw.startsWith('/')) return { path: fallbackPath, query: '' }; // absolute-form: use the parsed path
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) };
}

const withQuery = (path: string, query: string) => (query ? `${path}?${query}` : path);

/** Lets a request's unread body go, so that the keep-alive connection stays usable. */
const drain = (req: IncomingMessage) => req.resume();

/** mux's cleanPath redirect: `301`, `Location`, nothing else (it wrote the status itself, no body). */
export function sendCleanPathRedirect(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
  drain(req);
  res.writeHead(301, { location: withQuery(path, query), 'content-length': 0 });
  res.end();
}

const htmlEscape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);

/**
 * StrictSlash's redirect (http.RedirectHandler(url, 301) → http.Redirect): GET and HEAD get
 * `text/html; charset=utf-8`, GET also Go's short note, other methods an empty body.
 */
export function sendStrictSlashRedirect(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
  drain(req);
  const location = withQuery(path, query);
  const body = req.method === 'GET' ? `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n` : '';
  const headers: Record<string, string | number> = { location, 'content-length': Buffer.byteLength(body) };
  if (req.method === 'GET' || req.method === 'HEAD') headers['content-type'] = 'text/html; charset=utf-8';
  res.writeHead(301, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** http.NotFoundHandler (mux's default): http.Error(w, "404 page not found", 404). */
export function sendNotFound(req: IncomingMessage, res: ServerResponse): void {
  drain(req);
  const body = '404 page not found\n';
  res.writeHead(404, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * mux's methodNotAllowed: `w.WriteHeader(405)`, no body, so no content type. `Allow` is
 * ours (RFC 9110 asks for it; the old router sent none; a client that ignores it sees no change).
 */
export function sendMethodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string[]): void {
  drain(req);
  res.writeHead(405, { allow: allow.join(', '), 'content-length': 0 });
  res.end();
}

/** An answer of an old handler: JSON, or an error text, both under `application/json`. */
export function sendLegacy(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': LEGACY_CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/**
 * An old handler's error: a plain text under its content type (so a Go client decoding it
 * into an Account fails, as it did), the code in `x-error-code` for clients that want it.
 */
export function sendLegacyError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendLegacy(res, status, message, { ...headers, [ERROR_CODE_HEADER]: code });
}

/**
 * Whether a write's body is read as JSON. Declared `application/json` (parameters such as
 * charset allowed): yes. No Content-Type at all: yes from a client that is not a browser
 * page, as P13 read every body (goblog's own Go clients, `http.NewRequest`, send none); a
 * browser page is told apart by the headers browsers add to every cross-origin write and
 * that a page cannot remove: `Origin` (sent on every POST/PUT by current browsers) and
 * `Sec-Fetch-Site` other than `none`. Any other type (text/plain, form encodings,
 * multipart: what a cross-site form or sendBeacon can send without a CORS preflight) or a
 * typeless body from a page: no, refused with 415 before anything runs.
 */
export function readsAsJson(req: IncomingMessage): boolean {
  const sent = req.headers['content-type'];
  if (sent === undefined) {
    const site = req.headers['sec-fetch-site'];
    return req.headers.origin === undefined && (site === undefined || site === 'none');
  }
  return sent.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
