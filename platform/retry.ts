/**
 * The one retry and backoff primitive, on cockatiel: capped exponential backoff with jitter,
 * a bound on attempts, a predicate for what is worth retrying, and an abort signal. Every
 * re-run in the project goes through it: the gateway's subgraph queries (gateway/upstream/retry.ts),
 * the database's serialization conflicts and ambiguous commits (subgraphs/kit/transaction.ts),
 * the seeder. Loops that are not retries of one call (the outbox relay's per-row schedule kept
 * in the database, its pauses while the data context or its own database is away) take their
 * delays from `backoffDelay`, so there is one formula.
 */
import { DelegateBackoff, handleWhen, retry, type IRetryBackoffContext, type RetryPolicy } from 'cockatiel';

/**
 * `full`: uniform in [0, bound) (callers spread out the most; AWS's "full jitter").
 * `equal`: uniform in [bound/2, bound) (never much shorter than planned; "equal jitter").
 * The bound of the n-th delay is min(maxDelayMs, baseDelayMs · factor^(n−1)).
 */
export type Jitter = 'full' | 'equal';

export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Growth of the bound from one delay to the next. @default 2 */
  factor?: number;
  /** @default 'full' */
  jitter?: Jitter;
}

export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retry). */
  maxAttempts: number;
  /** Bound of the first delay. @default 10 */
  baseDelayMs?: number;
  /** Bound of every delay. @default 1000 */
  maxDelayMs?: number;
  /** Called before each backoff, with the attempt that failed (1-based), the delay and its error. */
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

export interface RetryPolicyOptions extends RetryOptions {
  /** Whether an error is worth another attempt; any other error is thrown at once, unchanged. */
  retryable: (err: unknown) => boolean;
  /** @default 'full' */
  jitter?: Jitter;
  /** @default 2 */
  factor?: number;
  /**
   * A delay the failure itself asks for (an HTTP answer's Retry-After), used instead of the
   * backoff's when defined (no jitter: the other side said when).
   */
  delayFor?: (err: unknown) => number | undefined;
}

/**
 * The delay, in whole ms, before attempt n+1 after n failures in a row (n ≤ 1 all bound by
 * baseDelayMs). Written here rather than taken from cockatiel's generators, whose growth is
 * fixed at 2; with factor 2 it is their formula (fullJitterGenerator, halfJitterGenerator).
 */
export function backoffDelay(failures: number, backoff: Backoff): number {
  const factor = backoff.factor ?? 2;
  const bound = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * factor ** Math.max(0, failures - 1));
  return backoff.jitter === 'equal'
    ? Math.floor((bound + Math.random() * bound) / 2)
    : Math.floor(Math.random() * bound);
}

/**
 * A cockatiel retry policy: `execute(fn, signal)` runs fn, and again after a backoff while it
 * throws a retryable error, up to `maxAttempts` attempts; then it throws the last error.
 * An aborted signal stops it: no attempt starts after the abort (a backoff already
 * under way runs out first).
 */
export function retryPolicy(opts: RetryPolicyOptions): RetryPolicy {
  const backoff: Backoff = {
    baseDelayMs: opts.baseDelayMs ?? 10,
    maxDelayMs: opts.maxDelayMs ?? 1_000,
    factor: opts.factor,
    jitter: opts.jitter,
  };
  const { delayFor } = opts;
  const policy = retry(
    handleWhen((err) => opts.retryable(err)),
    {
      maxAttempts: Math.max(0, opts.maxAttempts - 1), // cockatiel counts retries
      backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => {
        const asked = delayFor && 'error' in ctx.result ? delayFor(ctx.result.error) : undefined;
        return asked ?? backoffDelay(ctx.attempt, backoff);
      }),
    },
  );
  const { onRetry } = opts;
  if (onRetry) policy.onRetry((e) => 'error' in e && onRetry(e.attempt, e.delay, e.error));
  return policy;
}

/** Runs `fn(attempt)` (attempt 1-based) under `retryPolicy(opts)`. */
export function withRetry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  opts: RetryPolicyOptions,
  signal?: AbortSignal,
): Promise<T> {
  return retryPolicy(opts).execute(({ attempt, signal: s }) => {
    s.throwIfAborted();
    return fn(attempt + 1, s);
  }, signal);
}
