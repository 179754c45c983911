/**
 * The per-document caches of the gateway and of the subgraphs, bounded. Every distinct
 * document a client sends is parsed and validated once and its query plan made once; Apollo
 * Server and @apollo/gateway keep both, each by default in an LRU of "30 MiB" measured as the JSON
 * length of the cached objects, while a parsed document takes several times that on the heap
 * (graphql-js keeps every token). Unbounded in practice: distinct documents grew the
 * gateway's memory without limit (bench/memory-documents.ts; the numbers are in
 * BENCHMARKS.md, "Memory with distinct documents").
 *
 * Parsed documents: an LRU weighed by the length of the document's source text (a parsed
 * document's heap grows with its source: BENCHMARKS.md has the bytes per character), at most
 * DOCUMENT_CACHE_SOURCE_CHARS characters. Query plans:
 * @apollo/gateway's own LRU with a smaller approximate size (QUERY_PLAN_CACHE_MIB).
 * Operations a client repeats stay cached; a stream of one-off documents evicts the oldest.
 *
 * The subgraphs' Apollo Servers keep their parsed documents in the same bounded LRU: the
 * documents the gateway sends them carry the client's aliases, so distinct client documents
 * are distinct subgraph documents too (their compiled forms are capped by count:
 * subgraphs/kit/compiled-executor.ts).
 */
import type { DocumentNode } from 'graphql';

export const DOCUMENT_CACHE_SOURCE_CHARS = 384 * 1024;
export const QUERY_PLAN_CACHE_MIB = 4;

/** A KeyValueCache<DocumentNode> (Apollo Server's DocumentStore) holding at most `maxChars` of source text. */
export class DocumentCache {
  private readonly entries = new Map<string, { doc: DocumentNode; weight: number }>();
  private weight = 0;

  constructor(readonly maxChars = DOCUMENT_CACHE_SOURCE_CHARS) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, entry);
    return entry.doc;
  }

  async set(key: string, doc: DocumentNode): Promise<void> {
    await this.delete(key);
    const weight = Math.max(1, doc.loc?.source.body.length ?? 0);
    if (weight > this.maxChars) return; // larger than the whole cache: not kept
    this.entries.set(key, { doc, weight });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.weight <= this.maxChars) break;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }

  async delete(key: string): Promise<boolean> {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.weight -= entry.weight;
    return true;
  }
}
