/**
 * Sharing one piece of work among identical requests without ever answering a request with
 * work that started before it arrived: the rule that keeps read-your-writes across gateway
 * replicas with no coordination between them. A write acknowledged by any gateway committed
 * before that acknowledgement; a request that arrives after it and shares only work that
 * starts after its own arrival reads the database after the commit, whichever gateway it
 * reached. (Joining work already under way, as before, could hand it an answer read before
 * the write: 11-12 stale reads in 2,500 across two gateways, issue #22.)
 *
 * So a request joins only a *gathering*: work for the same key that has not started yet.
 * - Nothing for the key under way: the request starts its work at once (a cold key pays no
 *   delay).
 * - Work for the key already under way (a hot key): the request opens a gathering that starts
 *   `windowMs` later; identical requests arriving meanwhile join it, and all of them get its
 *   one outcome. With N identical requests at once this is 2 pieces of work instead of N
 *   (the one under way, then the gathered rest).
 * - The outcome is everyone's at once, failure included (a read's failure is an honest
 *   answer): nobody waits for a failure and then starts over.
 * Nothing is kept after the work settles.
 */

export interface GatherOptions {
  /** How long a gathering behind work under way waits for identical requests before it starts. @default DEFAULT_GATHER_WINDOW_MS */
  windowMs?: number;
  /** Called for each request answered by another's work (the gateway counts them, metrics.ts). */
  onShared?: () => void;
}

/** The gateway's default gathering window (GATEWAY_GATHER_WINDOW_MS). */
export const DEFAULT_GATHER_WINDOW_MS = 5;

interface Gathering<T> {
  promise: Promise<T>;
}

export class Gather<T> {
  /** Per key: the gathering not yet started (joinable). */
  private readonly gathering = new Map<string, Gathering<T>>();
  /** Per key: how many pieces of work are under way (started, not settled). */
  private readonly underWay = new Map<string, number>();

  constructor(private readonly opts: GatherOptions) {}

  /** The outcome of `start()`, or of identical work that starts after this call (never before it). */
  run(key: string, start: () => Promise<T>): Promise<T> {
    const joinable = this.gathering.get(key);
    if (joinable) {
      this.opts.onShared?.();
      return joinable.promise;
    }
    if (!this.underWay.get(key)) return this.launch(key, start);
    const entry: Gathering<T> = {
      promise: new Promise<T>((resolve, reject) => {
        setTimeout(() => {
          if (this.gathering.get(key) === entry) this.gathering.delete(key);
          this.launch(key, start).then(resolve, reject);
        }, this.opts.windowMs ?? DEFAULT_GATHER_WINDOW_MS);
      }),
    };
    this.gathering.set(key, entry);
    return entry.promise;
  }

  private launch(key: string, start: () => Promise<T>): Promise<T> {
    this.underWay.set(key, (this.underWay.get(key) ?? 0) + 1);
    const settled = () => {
      const n = (this.underWay.get(key) ?? 1) - 1;
      if (n > 0) this.underWay.set(key, n);
      else this.underWay.delete(key);
    };
    let work: Promise<T>;
    try {
      work = start();
    } catch (err) {
      work = Promise.reject(err);
    }
    return work.finally(settled);
  }

  /** Keys with work under way or gathering (for tests: nothing outlives the work). */
  get size(): number {
    return new Set([...this.gathering.keys(), ...this.underWay.keys()]).size;
  }
}
