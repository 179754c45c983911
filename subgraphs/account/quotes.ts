/**
 * Quotes are reference data shipped by a migration (a handful of rows per language), read
 * on every aggregated account view. Each subgraph keeps the whole table in memory (one
 * QuoteCache, made with its loaders: loaders.ts) and reads it again once the copy is older
 * than the TTL, instead of one statement per request.
 * Concurrent misses share one read; a failed read is not cached. On CockroachDB the reload
 * is a follower read (kit/dialect.ts): the copy is up to a minute old anyway.
 */
import type { PrismaClient, Quote } from '../../generated/account/client';
import { followerRead } from '../kit/dialect';

/** How old the in-memory copy may get: a migration's new quotes show up within this. */
export const QUOTES_TTL_MS = 60_000;

type QuotesDb = Pick<PrismaClient, 'quote'>;

export class QuoteCache {
  private byLanguage: Map<string, Quote[]> | undefined;
  private loadedAt = 0;
  private loading: Promise<Map<string, Quote[]>> | undefined;

  constructor(
    private readonly db: QuotesDb,
    private readonly ttlMs = QUOTES_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The quotes of each language asked for, in id order ([] for an unknown language). */
  async of(languages: readonly string[]): Promise<Quote[][]> {
    const table = this.byLanguage && this.now() - this.loadedAt < this.ttlMs ? this.byLanguage : await this.reload();
    return languages.map((l) => table.get(l) ?? []);
  }

  private reload(): Promise<Map<string, Quote[]>> {
    this.loading ??= followerRead(this.db, (db) => db.quote.findMany({ orderBy: { id: 'asc' } }))
      .then((rows) => {
        const table = new Map<string, Quote[]>();
        for (const row of rows) table.set(row.language, [...(table.get(row.language) ?? []), row]);
        this.byLanguage = table;
        this.loadedAt = this.now();
        return table;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
