/**
 * Retry of a subgraph query call (never of a write: the composition, fetcher.ts, sends writes
 * around it, once). On platform/retry.ts, the project's one retry primitive (cockatiel):
 * - up to `attempts` attempts in all; each goes to a replica the call has not tried yet when
 *   there is one (replicas.ts);
 * - between attempts an exponential backoff with jitter: the n-th delay is drawn below
 *   min(maxDelayMs, initialDelayMs · factor^(n−1)) (full jitter: uniform in [0, bound));
 * - what is retried is `shouldRetry`'s to say: by default no answer at all (refused, reset,
 *   timed out: platform/network-errors.ts), a 5xx answer, and a 429 that says when to come back;
 * - an answer of 429 or 503 with a Retry-After header (seconds, or an HTTP date) is retried after
 *   exactly that delay when it ends within the call's budget (timeout.ts); otherwise it is
 *   passed on at once, as the subgraph gave it (waiting past the deadline helps no one).
 * When the attempts run out, the last answer is passed on as it was (the data source turns a
 * 5xx into its error: graphql-over-http.ts) or the last network error thrown.
 */
import { BrokenCircuitError } from 'cockatiel';
import type { ClientResponse } from '../../platform/http-client';
import { isNetworkError } from '../../platform/network-errors';
import { retryPolicy, type Jitter } from '../../platform/retry';
import type { Deadline } from './timeout';

/** What one attempt came to: an answer, or no answer (the error). */
export type Outcome = { answer: ClientResponse } | { error: unknown };

export interface UpstreamRetryOptions {
  /** Attempts of one query call, the first included; 1 = no retry (SUBGRAPH_ATTEMPTS). @default 3 */
  attempts?: number;
  /** Bound of the first backoff delay (SUBGRAPH_RETRY_DELAY_MS). @default 50 */
  initialDelayMs?: number;
  /** Growth of the bound from one delay to the next. @default 2 */
  factor?: number;
  /** Bound of every backoff delay (SUBGRAPH_RETRY_MAX_DELAY_MS). @default 400 */
  maxDelayMs?: number;
  /** @default 'full' */
  jitter?: Jitter;
  /** Whether an attempt's outcome is worth another attempt. @default retryable */
  shouldRetry?: (outcome: Outcome) => boolean;
}

export const RETRY_DEFAULTS = {
  attempts: 3,
  initialDelayMs: 50,
  factor: 2,
  maxDelayMs: 400,
  jitter: 'full',
} as const satisfies UpstreamRetryOptions;

/** The statuses whose Retry-After is honoured. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** The delay an answer's Retry-After asks for, in ms (429 and 503 only; undefined without a valid one). */
export function retryAfterMs(answer: ClientResponse, now = Date.now()): number | undefined {
  if (!RETRY_AFTER_STATUSES.has(answer.status)) return undefined;
  const raw = answer.headers['retry-after'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  if (!/[a-z]/i.test(value)) return undefined; // an HTTP date names its day and month
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The default `shouldRetry`: no answer, a 5xx, or a 429 with a Retry-After. */
export function retryable(outcome: Outcome): boolean {
  if ('error' in outcome) return !(outcome.error instanceof BrokenCircuitError) && isNetworkError(outcome.error);
  const { status } = outcome.answer;
  return status >= 500 || (status === 429 && retryAfterMs(outcome.answer) !== undefined);
}

/** An answer to try again after: thrown inside the policy, returned as the answer when attempts run out. */
class RetryableAnswer extends Error {
  constructor(
    readonly answer: ClientResponse,
    readonly waitMs: number | undefined,
  ) {
    super(`answered ${answer.status}`);
  }
}

/** Runs one call's attempts: `attempt()` sends one (to the replica the choice gives), `deadline` is the call's budget. */
export type Retry = (attempt: () => Promise<ClientResponse>, deadline: Deadline) => Promise<ClientResponse>;

export function upstreamRetry(opts: UpstreamRetryOptions = {}): Retry {
  const o = { ...RETRY_DEFAULTS, ...opts };
  const shouldRetry = opts.shouldRetry ?? retryable;
  const policy = retryPolicy({
    maxAttempts: o.attempts,
    baseDelayMs: o.initialDelayMs,
    maxDelayMs: o.maxDelayMs,
    factor: o.factor,
    jitter: o.jitter,
    retryable: (err) => err instanceof RetryableAnswer || shouldRetry({ error: err }),
    delayFor: (err) => (err instanceof RetryableAnswer ? err.waitMs : undefined),
  });
  return async (attempt, deadline) => {
    try {
      return await policy.execute(async () => {
        const answer = await attempt();
        if (!shouldRetry({ answer })) return answer;
        const waitMs = retryAfterMs(answer);
        if (waitMs !== undefined && waitMs > deadline.remainingMs()) return answer; // capped by the deadline
        throw new RetryableAnswer(answer, waitMs);
      });
    } catch (err) {
      if (err instanceof RetryableAnswer) return err.answer;
      throw err;
    }
  };
}
