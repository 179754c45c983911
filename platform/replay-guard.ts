/**
 * Refuses a signed subgraph request seen before (platform/auth.ts): a signature is good
 * within SIGNATURE_TOLERANCE_MS of its time, so the guard remembers every signature it
 * admitted for that long, and refuses the same one again.
 *
 * Bounded: at most `maxEntries` signatures are remembered (BENCHMARKS.md has the heap they
 * take; they come only from holders of the secret, never from an attacker, since a
 * signature that does not verify is not admitted). When full, the signature with the oldest time is forgotten and the guard's
 * floor rises to that time: from then on a signature not newer than the floor is refused
 * too ("too old to be checked for replay"), since the guard could no longer tell whether it
 * saw it. Under more load than the guard holds, the accepted window shrinks below the
 * tolerance; replay protection itself never lapses. Requests are signed just before they
 * are sent, so a fresh signature is always newer than the floor unless the guard holds
 * less than a few milliseconds of traffic.
 *
 * One guard per process: a replayed query sent to another replica of the same subgraph within
 * the window is not caught here. A replayed write is, on any replica: every write records its
 * nonce in its context's database (subgraphs/kit/signature-nonces.ts;
 * docs/replay-and-operator-access.md).
 */
import { SIGNATURE_TOLERANCE_MS, type Verified } from './auth';

export const REPLAY_GUARD_MAX_ENTRIES = 100_000;

export class ReplayGuard {
  private readonly seen = new Set<string>();
  /** Min-heap of [time, mac] by time: expiry and eviction both take the oldest. */
  private readonly heap: [number, string][] = [];
  private floor = -Infinity;

  constructor(
    readonly maxEntries = REPLAY_GUARD_MAX_ENTRIES,
    readonly toleranceMs = SIGNATURE_TOLERANCE_MS,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** Remembers a verified signature; returns why it is refused when it was seen before or cannot be checked. */
  admit(v: Verified, now = Date.now()): string | undefined {
    while (this.heap.length > 0 && now - this.heap[0]![0] > this.toleranceMs) this.seen.delete(this.pop()[1]);
    if (this.seen.has(v.mac)) return 'request signature already used: a replayed request is refused';
    // Full, and this one is older than all it remembers: keeping it would mean forgetting a newer one.
    const full = this.heap.length >= this.maxEntries;
    if (v.t <= this.floor || (full && v.t <= this.heap[0]![0])) {
      return 'request signature too old to be checked for replay (the replay guard is full); sign the request again';
    }
    while (this.heap.length >= this.maxEntries) {
      const [t, mac] = this.pop();
      this.seen.delete(mac);
      this.floor = Math.max(this.floor, t);
    }
    this.seen.add(v.mac);
    this.push([v.t, v.mac]);
    return undefined;
  }

  private push(entry: [number, string]): void {
    const h = this.heap;
    h.push(entry);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]![0] <= h[i]![0]) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): [number, string] {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]![0] < h[m]![0]) m = l;
        if (r < h.length && h[r]![0] < h[m]![0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
