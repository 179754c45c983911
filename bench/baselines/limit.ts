/**
 * The LIMIT (not product code): one in-process handler answering GET /accounts/{id} with
 * the same reads the subgraphs make (the same pools and prepared statements as their
 * DataLoaders: account by id, the account's events, its image; the quotes from the same
 * per-process cache), straight from the three databases, in parallel, no HTTP hop between
 * services.
 * The answer is built with the shim's mapping (gateway/rest/legacy.ts) and the account
 * context's quote choice, so it equals the gateway's JSON. Whatever the federated stack
 * adds on top of this is the price of the architecture.
 */
import type { ContextName } from '../../platform/config';
import { toLegacy, type GraphAccount } from '../../gateway/rest/legacy';
import { PrismaClient as AccountClient } from '../../generated/account/client';
import { PrismaClient as DataClient } from '../../generated/data/client';
import { PrismaClient as ImageClient } from '../../generated/image/client';
import { ACCOUNTS_BY_ID } from '../../subgraphs/account/loaders';
import { QuoteCache } from '../../subgraphs/account/quotes';
import { DEFAULT_LANGUAGE, quoteIndex } from '../../subgraphs/account/resolvers';
import { EVENTS_BY_ACCOUNT } from '../../subgraphs/data/loaders';
import { IMAGES_BY_ACCOUNT } from '../../subgraphs/image/loaders';
import { connectDatabase } from '../../subgraphs/kit/database';
import type { Account } from '../../generated/account/client';
import type { AccountEvent } from '../../generated/data/client';
import type { AccountImage } from '../../generated/image/client';
import type { Aggregate } from './serve';

export interface LimitOptions {
  urls: Record<ContextName, string>;
  /** Connections per database (default 10, as DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** For `servedBy`: `<context>@<instanceName>:<pid>`, as the subgraphs write it. */
  instanceName: string;
}

export function limitAggregate(opts: LimitOptions): { aggregate: Aggregate; close(): Promise<void> } {
  const pool = opts.poolSize ?? 10;
  const account = connectDatabase(AccountClient, opts.urls.account, pool);
  const data = connectDatabase(DataClient, opts.urls.data, pool);
  const image = connectDatabase(ImageClient, opts.urls.image, pool);
  const quoteCache = new QuoteCache(account.prisma);
  const servedBy = (c: ContextName) => `${c}@${opts.instanceName}:${process.pid}`;

  const aggregate: Aggregate = async (id) => {
    const [accounts, quotes, events, images] = await Promise.allSettled([
      account.sql.rows<Account>(ACCOUNTS_BY_ID, [[id]]),
      quoteCache.of([DEFAULT_LANGUAGE]).then(([quotes]) => quotes ?? []),
      data.sql.rows<AccountEvent>(EVENTS_BY_ACCOUNT, [[id]]),
      image.sql.rows<AccountImage>(IMAGES_BY_ACCOUNT, [[id]]),
    ]);
    if (accounts.status === 'rejected') throw accounts.reason;
    const row = accounts.value[0];
    if (!row) return null;
    const quoteRows = quotes.status === 'fulfilled' ? quotes.value : [];
    const quote = quoteRows[quoteIndex(row.id, quoteRows.length)];
    const img = images.status === 'fulfilled' ? images.value[0] : undefined;
    const merged: GraphAccount = {
      id: row.id,
      name: row.name,
      servedBy: servedBy('account'),
      quote: quote ? { text: quote.text, language: quote.language, servedBy: servedBy('account') } : null,
      imageData: img ? { id: img.accountId, url: img.url, servedBy: servedBy('image') } : null,
      events:
        events.status === 'fulfilled'
          ? events.value.map((e) => ({ id: e.id, eventName: e.eventName, created: e.created.toISOString() }))
          : null,
    };
    const errors = [
      ...(events.status === 'rejected'
        ? [{ message: String(events.reason), extensions: { serviceName: 'data' } }]
        : []),
      ...(images.status === 'rejected'
        ? [{ message: String(images.reason), extensions: { serviceName: 'image' } }]
        : []),
    ];
    return toLegacy(merged, errors);
  };
  return {
    aggregate,
    close: async () => void (await Promise.allSettled([account.close(), data.close(), image.close()])),
  };
}
