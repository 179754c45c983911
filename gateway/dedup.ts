/**
 * In-flight deduplication of identical subgraph queries (what Apollo Router calls
 * `deduplicate_query` and Hive Gateway does by default): while a request to a subgraph is on
 * its way, an identical one (same subgraph URL, same body: query, variables, operation name)
 * waits for that answer instead of being sent again. Each caller gets its own parse of the
 * answer's text (platform/http-client.ts `fetchLike`), so no response objects are shared.
 * Never for mutations: the data source only asks for queries (a write is sent once, by
 * whoever asked for it). The gateway forwards no per-client headers to queries, so the body
 * is the whole identity of a request; the per-request signature is added after the match.
 *
 * Read-your-writes: a query sent before a write committed can answer with the data before
 * it. Without sharing, a client that was told its write succeeded and then asks again gets a
 * fresh request that sees it; joining a request already in flight could hand it the older
 * answer. So every write that settles through the gateway (answered, failed or timed out: it
 * may have committed) advances the gateway's WriteFence, and a query joins only a request
 * started since the last write settled. A write through another gateway replica is not seen
 * here (README, "Between the gateway and the subgraphs").
 */

/** Counts the writes settled through one gateway; shared by all its data sources. */
export class WriteFence {
  private settled = 0;

  /** A write has settled: requests in flight since before it are no longer shared. */
  advance(): void {
    this.settled++;
  }

  get generation(): number {
    return this.settled;
  }
}

interface Pending<T> {
  promise: Promise<T>;
  generation: number;
}

export class InFlight<T> {
  private readonly pending = new Map<string, Pending<T>>();

  /**
   * `onShared`: called for each request answered by one in flight (the gateway counts them, metrics.ts);
   * `fence`: the gateway's, so that a write through any data source ends the sharing in all.
   */
  constructor(
    private readonly onShared: () => void = () => {},
    private readonly fence: WriteFence = new WriteFence(),
  ) {}

  /** The answer of the request in flight under `key` (started since the last write), or of `start()`. */
  run(key: string, start: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(key);
    if (existing && existing.generation === this.fence.generation) {
      this.onShared();
      return existing.promise;
    }
    const entry: Pending<T> = { generation: this.fence.generation, promise: undefined as unknown as Promise<T> };
    entry.promise = start().finally(() => {
      if (this.pending.get(key) === entry) this.pending.delete(key);
    });
    this.pending.set(key, entry);
    return entry.promise;
  }

  /** Requests in flight now (for tests). */
  get size(): number {
    return this.pending.size;
  }
}
