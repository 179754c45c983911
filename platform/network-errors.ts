/**
 * What a network error says about a request, decided in one place for every caller: the
 * gateway's subgraph requests (resilience.ts retries them, writes.ts reports a write's outcome),
 * the outbox relay's deliveries (whose fault a failure is), and the database errors of
 * subgraphs/kit/db-errors.ts (pg's sockets throw the same Node codes). By the `code` Node's
 * net/dns and undici set, on the error or in its `cause` chain; never by message text.
 *
 * - `not-sent`: no connection was made (refused, no route, no such host, connect timeout), so
 *   the request certainly did not arrive and whatever it asked for did not happen.
 * - `lost`: the connection broke or went silent after the request may have been written
 *   (reset, broken pipe, aborted, header or body timeout): the other side may have acted on it.
 */
export type NetworkFailure = 'not-sent' | 'lost';

const NOT_SENT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const LOST = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
/** undici's deadlines (HttpClient's `timeoutMs`), a subset of the codes above. */
const TIMEOUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** What one error code means, if it is a network one. */
export function networkFailureOfCode(code: unknown): NetworkFailure | undefined {
  if (typeof code !== 'string') return undefined;
  return NOT_SENT.has(code) ? 'not-sent' : LOST.has(code) ? 'lost' : undefined;
}

/** The network failure `err` (or an error in its `cause` chain, 4 deep) reports, if any. */
export function networkFailure(err: unknown): NetworkFailure | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && typeof e === 'object' && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    const failure = networkFailureOfCode(e.code);
    if (failure) return failure;
  }
  return undefined;
}

/** True when the request never got an answer: not sent, or lost on the way. */
export const isNetworkError = (err: unknown): boolean => networkFailure(err) !== undefined;

/**
 * True when the request was certainly not delivered (the connection was refused or never
 * made). A reset or a timeout after the request was written is not such a case.
 */
export const wasNotSent = (err: unknown): boolean => networkFailure(err) === 'not-sent';

/** True when `err` is one of undici's deadlines, not a refusal. */
export function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TIMEOUT.has(code);
}
