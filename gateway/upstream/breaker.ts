/**
 * The circuit breaker of one subgraph (cockatiel's ConsecutiveBreaker) around each query call,
 * its retries included: after `threshold` failed calls in a row it fails fast for
 * `halfOpenAfterMs`, then lets one probe through and closes when it succeeds, so a subgraph that
 * comes back is used again without restarting the gateway. A failed call is one that got no real
 * answer (`isTransient`). Writes are counted by no breaker (a slow write must not cut reads off,
 * writes.ts); an open circuit still refuses them up front.
 *
 * With several replicas each also has a breaker of its own (replica-breakers.ts, with the same
 * options): this one opens only when calls keep failing on every replica.
 */
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { isNetworkError } from '../../platform/network-errors';

export interface BreakerOptions {
  /** Failures in a row that open the breaker (SUBGRAPH_BREAKER_THRESHOLD). @default 5 */
  threshold?: number;
  /** How long an open breaker fails fast before one probe goes through (SUBGRAPH_BREAKER_HALF_OPEN_MS). @default 2000 */
  halfOpenAfterMs?: number;
}

export const BREAKER_DEFAULTS = { threshold: 5, halfOpenAfterMs: 2_000 } as const;

export const breakerOptions = (opts: BreakerOptions): Required<BreakerOptions> => ({
  threshold: opts.threshold ?? BREAKER_DEFAULTS.threshold,
  halfOpenAfterMs: opts.halfOpenAfterMs ?? BREAKER_DEFAULTS.halfOpenAfterMs,
});

/** A failure worth counting (and a query's worth reporting as the subgraph unavailable): no real answer (refused, reset, timed out, 5xx). */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof BrokenCircuitError) return false;
  const status = (err as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
  if (typeof status === 'number') return status >= 500;
  return isNetworkError(err);
}

export type BreakerState = 'open' | 'half-open' | 'closed';

/** The subgraph's breaker; `onChange` is told when it opens, probes and closes. */
export function subgraphBreaker(opts: BreakerOptions, onChange?: (state: BreakerState) => void): CircuitBreakerPolicy {
  const { threshold, halfOpenAfterMs } = breakerOptions(opts);
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(threshold),
  });
  if (onChange) {
    breaker.onBreak(() => onChange('open'));
    breaker.onHalfOpen(() => onChange('half-open'));
    breaker.onReset(() => onChange('closed'));
  }
  return breaker;
}
