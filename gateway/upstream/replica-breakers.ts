/**
 * A circuit breaker per replica of one subgraph (cockatiel's ConsecutiveBreaker), so that a
 * hung or dead replica is routed around while its siblings serve (replicas.ts). It counts
 * attempts, not calls: a replica that failed `threshold` query attempts in a row (no answer,
 * refused, timed out, or a 5xx) is left out for `halfOpenAfterMs`; then one request is let
 * through as a probe, and its outcome closes or re-opens it.
 *
 * Outcomes are recorded after the fact (the replica is known only once the balancer chose it),
 * through the policy's own `execute`, so the state machine stays cockatiel's. Writes record
 * nothing: a slow write must not cut reads off (writes.ts).
 *
 * The subgraph's own breaker (breaker.ts) stays around each call: it opens when calls keep
 * failing on every replica. A subgraph given one URL has no replica breakers: its one breaker
 * is the subgraph's, as before replicas.
 */
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { breakerOptions, type BreakerOptions, type BreakerState } from './breaker';

/** The subgraph breaker's options and defaults (breaker.ts), counted in attempts per replica. */
export interface ReplicaBreakerOptions extends BreakerOptions {
  /** Told when a replica is left out, probed, or back. */
  onChange?: (origin: string, state: BreakerState) => void;
}

interface Replica {
  policy: CircuitBreakerPolicy;
  openedAt: number;
  /** A probe is on its way to this replica (half-open): no other request is sent to it meanwhile. */
  probing: boolean;
}

export class ReplicaBreakers {
  private readonly replicas = new Map<string, Replica>();
  private readonly halfOpenAfterMs: number;

  constructor(origins: readonly string[], opts: ReplicaBreakerOptions) {
    const { threshold, halfOpenAfterMs } = breakerOptions(opts);
    this.halfOpenAfterMs = halfOpenAfterMs;
    for (const origin of origins) {
      const policy = circuitBreaker(handleAll, {
        halfOpenAfter: halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(threshold),
      });
      const replica: Replica = { policy, openedAt: 0, probing: false };
      policy.onBreak(() => {
        replica.openedAt = Date.now();
        opts.onChange?.(origin, 'open');
      });
      policy.onHalfOpen(() => opts.onChange?.(origin, 'half-open'));
      policy.onReset(() => opts.onChange?.(origin, 'closed'));
      this.replicas.set(origin, replica);
    }
  }

  private replica(origin: string): Replica {
    const r = this.replicas.get(origin);
    if (!r) throw new Error(`no replica ${origin}`);
    return r;
  }

  /** Whether a request may go to `origin` now: closed, or open long enough and no probe under way. */
  admits(origin: string): boolean {
    const r = this.replica(origin);
    if (r.policy.state === CircuitState.Closed) return true;
    return !r.probing && Date.now() - r.openedAt >= this.halfOpenAfterMs;
  }

  /** A request is sent to `origin`: when it is not closed, that request is its probe. */
  take(origin: string): void {
    const r = this.replica(origin);
    if (r.policy.state !== CircuitState.Closed) r.probing = true;
  }

  /** An attempt on `origin` ended: answered (`failure` undefined) or failed. */
  record(origin: string, failure?: unknown): void {
    const r = this.replica(origin);
    r.probing = false;
    r.policy.execute(() => (failure === undefined ? Promise.resolve() : Promise.reject(failure))).catch(() => {}); // the outcome is the caller's; an open breaker ignores it
  }

  /** The replicas that are closed now (for the balancer's choice and for tests). */
  get closed(): string[] {
    return [...this.replicas].flatMap(([origin, r]) => (r.policy.state === CircuitState.Closed ? [origin] : []));
  }
}
