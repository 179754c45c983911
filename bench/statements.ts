/**
 * SQL statements per request, counted by PostgreSQL itself (pg_stat_statements, as
 * tests/harness/db.ts does): the aggregated view through each target, and a page of
 * `accounts(first: N) { edges { node { events imageData quote } } }` for growing N, which
 * must cost the same number of statements whatever N is (DataLoader batching).
 */
import type { ContextName } from '../platform/config';
import { countStatements } from './lib/cluster';
import { fetchOne, type Target } from './targets';

export type PerDatabase = Record<ContextName, number>;

export interface StatementReport {
  /** Statements per aggregated-view request, per target and database (mean over `requests`). */
  aggregated: Record<string, PerDatabase & { total: number }>;
  /** Statements for one page query, by page size. */
  page: { first: number; perDatabase: PerDatabase; total: number }[];
  requests: number;
}

export type PageStatements = StatementReport['page'];

export const PAGE_QUERY = (first: number) =>
  `{ accounts(first: ${first}) { edges { node { events { id } imageData { url } quote { text } } } } }`;

const total = (p: PerDatabase) => p.account + p.data + p.image;

/** Statements per aggregated-view request through one target (mean over `requests` different ids). */
export async function aggregatedStatements(
  adminUrl: string,
  target: Target,
  baseUrl: string,
  ids: { first: number; count: number },
  requests = 20,
) {
  const counts = await countStatements(adminUrl, async () => {
    for (let i = 0; i < requests; i++) await fetchOne(baseUrl, target, String(ids.first + ((i * 7919) % ids.count)));
  });
  const per = { account: counts.account / requests, data: counts.data / requests, image: counts.image / requests };
  return { ...per, total: total(per) };
}

/**
 * Statements of one page query through the gateway, for each page size. One unmeasured page
 * first: the account process's quote cache (subgraphs/account/quotes.ts) may have expired
 * during the runs, and its once-a-minute reload is not a per-request statement.
 */
export async function pageStatements(
  adminUrl: string,
  gatewayGraphqlUrl: string,
  pageSizes = [1, 10, 100],
): Promise<StatementReport['page']> {
  const fetchPage = async (first: number) => {
    const res = await fetch(gatewayGraphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PAGE_QUERY(first) }),
    });
    const body = (await res.json()) as { data?: { accounts?: { edges: unknown[] } }; errors?: unknown[] };
    if (body.errors?.length || body.data?.accounts?.edges.length !== first)
      throw new Error(`page of ${first}: ${JSON.stringify(body).slice(0, 300)}`);
  };
  await fetchPage(1);
  const page: StatementReport['page'] = [];
  for (const first of pageSizes) {
    const perDatabase = await countStatements(adminUrl, () => fetchPage(first));
    page.push({ first, perDatabase, total: total(perDatabase) });
  }
  return page;
}
