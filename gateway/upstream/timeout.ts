/**
 * Deadlines of the gateway's subgraph requests.
 * - Per attempt: a query attempt has `attemptMs`, a write `mutationMs` (longer: a write that
 *   times out has an unknown outcome, writes.ts). They are enforced by the replicas' undici pools
 *   (replicas.ts, platform/http-client.ts): for the answer's headers, and again for any stall in
 *   its body; undici's timers are coarse, about a second.
 * - Per call: `budgetMs`, the time a query call may take over all its attempts. It bounds what
 *   the call agrees to wait for: a Retry-After that would end past it is not waited for (retry.ts)
 *   and the answer is passed on at once. It neither cuts an attempt short nor stops a retry after
 *   a short backoff: the attempts' own deadlines and their count already bound those.
 */

export interface TimeoutOptions {
  /** Deadline of one query attempt (SUBGRAPH_TIMEOUT_MS). @default 1000 */
  attemptMs?: number;
  /** Deadline of one write (SUBGRAPH_MUTATION_TIMEOUT_MS). @default 10000 */
  mutationMs?: number;
  /** Time one query call may take over all its attempts. @default attemptMs × attempts */
  budgetMs?: number;
}

export const TIMEOUT_DEFAULTS = { attemptMs: 1_000, mutationMs: 10_000 } as const;

export type Timeouts = Required<TimeoutOptions>;

/** The deadlines with their defaults, for a call of at most `attempts` attempts. */
export function timeouts(opts: TimeoutOptions, attempts: number): Timeouts {
  const attemptMs = opts.attemptMs ?? TIMEOUT_DEFAULTS.attemptMs;
  return {
    attemptMs,
    mutationMs: opts.mutationMs ?? TIMEOUT_DEFAULTS.mutationMs,
    budgetMs: opts.budgetMs ?? attemptMs * attempts,
  };
}

/** The end of one call's budget, started when the call starts. */
export class Deadline {
  private readonly end: number;

  constructor(budgetMs: number) {
    this.end = Date.now() + budgetMs;
  }

  /** What is left of the budget, in ms (0 once it is spent). */
  remainingMs(): number {
    return Math.max(0, this.end - Date.now());
  }
}
