/**
 * What a failed delivery says about its destination, for the relay's two kinds of backoff:
 * - `event`: the data context answered and refused this very event (bad input, say). Only
 *   this row waits (per-row exponential backoff); the others go on.
 * - `destination`: anything else: connection refused or reset, timeout, 5xx, 401/403,
 *   404 (wrong URL), the data context's own database failing. Every row would fail the same
 *   way, so the whole relay pauses and probes with one row (see destination.ts).
 *
 * A deliverer can say which it is: an error (or one in its `cause` chain) with
 * `scope: 'event' | 'destination'` decides, then a numeric `status` (the HTTP answer: 400, 409 and 422 are
 * the event's, any other error status the destination's).
 * Without either, as with deliver.ts's plain errors, the message decides: a GraphQL refusal
 * ("refused the event …", "did not acknowledge event …") is the event's unless its text
 * names a fault of the data context itself (authentication, its database, a timeout);
 * everything else is the destination's.
 */
export type FailureScope = 'event' | 'destination';

/** Network-level error codes (Node's and undici's) of a destination that did not answer. */
const NETWORK_CODE =
  /^(E(CONN(REFUSED|RESET|ABORTED)|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|NETDOWN|AI_AGAIN|NOTFOUND)|UND_ERR_\w+)$/;
/** A well-formed GraphQL answer that concerns the event (deliver.ts's wording). */
const EVENT_ANSWER = /refused the event\b|did not acknowledge event/i;
/** …unless what the data context says is about itself rather than the event. */
const DESTINATION_TEXT =
  /signature|unauthori[sz]ed|unauthenticated|forbidden|database|connection|timed? ?out|unavailable|internal server error|try again/i;
/** deliver.ts's wording for an HTTP answer without GraphQL errors. */
const ANSWERED = /answered (\d{3})\b/;
/** HTTP answers that refuse the request rather than the service being unable to serve it. */
const EVENT_STATUS = new Set([400, 409, 422]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  scope?: unknown;
  status?: unknown;
  message?: unknown;
  cause?: unknown;
}

export function failureScope(err: unknown): FailureScope {
  const chain: ErrorLike[] = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as ErrorLike).cause)
    chain.push(e as ErrorLike);
  for (const e of chain) if (e.scope === 'event' || e.scope === 'destination') return e.scope;
  for (const e of chain) {
    if (typeof e.code === 'string' && NETWORK_CODE.test(e.code)) return 'destination';
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'destination';
  }
  for (const e of chain) {
    if (typeof e.status === 'number' && e.status >= 400) return EVENT_STATUS.has(e.status) ? 'event' : 'destination';
  }
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const status = ANSWERED.exec(message);
  if (status && !EVENT_ANSWER.test(message)) return EVENT_STATUS.has(Number(status[1])) ? 'event' : 'destination';
  return EVENT_ANSWER.test(message) && !DESTINATION_TEXT.test(message) ? 'event' : 'destination';
}
