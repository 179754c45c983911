/**
 * In-flight deduplication of identical subgraph queries (what Apollo Router calls
 * `deduplicate_query` and Hive Gateway does by default): while a request to a subgraph is on
 * its way, an identical one (same subgraph URL, same body: query, variables, operation name)
 * waits for that answer instead of being sent again. Each caller gets its own parse of the
 * answer's text (platform/http-client.ts `fetchLike`), so no response objects are shared.
 * Never for mutations: the data source only asks for queries (a write is sent once, by
 * whoever asked for it). The gateway forwards no per-client headers to queries, so the body
 * is the whole identity of a request; the per-request signature is added after the match.
 */
export class InFlight<T> {
  private readonly pending = new Map<string, Promise<T>>();

  /** `onShared`: called for each request answered by one in flight (the gateway counts them, metrics.ts). */
  constructor(private readonly onShared: () => void = () => {}) {}

  /** The answer of the request in flight under `key`, or of `start()` when there is none. */
  run(key: string, start: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(key);
    if (existing) {
      this.onShared();
      return existing;
    }
    const promise = start().finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }

  /** Requests in flight now (for tests). */
  get size(): number {
    return this.pending.size;
  }
}
