/** Database helpers for tests: the URLs global-setup provisioned, admin queries, statement counts. */
import { Client } from 'pg';
import { CONTEXTS, type ContextName } from '../../platform/config';

/** Why a URL is missing: unit tests (*.test.ts) get no database (jest.config.js). */
const NO_DATABASE =
  'not set: the test database is for the integration and e2e lanes (name the file *.int.test.ts or *.e2e.ts and run it through jest); unit tests (*.test.ts) have none';

export function testDatabaseUrls(): Record<ContextName, string> {
  return Object.fromEntries(
    CONTEXTS.map((c) => {
      const url = process.env[`${c.toUpperCase()}_DATABASE_URL`];
      if (!url) throw new Error(`${c.toUpperCase()}_DATABASE_URL ${NO_DATABASE}`);
      return [c, url];
    }),
  ) as Record<ContextName, string>;
}

export function adminUrl(database = 'postgres'): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error(`TEST_ADMIN_DATABASE_URL ${NO_DATABASE}`);
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const adminQuery = <R extends object = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  database = 'postgres',
) => withClient(adminUrl(database), async (c) => (await c.query<R>(sql, params)).rows);

export interface StatementCount {
  total: number;
  /** Statement text (normalised by pg_stat_statements) to number of calls. */
  byQuery: Map<string, number>;
}

/**
 * Runs `fn` and returns the statements each context's database executed meanwhile, as
 * PostgreSQL's own pg_stat_statements counts them (transaction control and SELECT 1
 * probes excluded). Nothing else may use the databases while it runs.
 */
export async function countStatements(fn: () => Promise<unknown>): Promise<Record<ContextName, StatementCount>> {
  await adminQuery('SELECT pg_stat_statements_reset()');
  await fn();
  const rows = await adminQuery<{ datname: string; query: string; calls: string }>(
    `SELECT d.datname, s.query, s.calls::text AS calls
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = ANY($1) AND s.query !~* '^\\s*(BEGIN|COMMIT|ROLLBACK|SET|SHOW|SELECT 1\\s*$|SELECT pg_stat_statements_reset)'`,
    [[...CONTEXTS]],
  );
  const out = Object.fromEntries(CONTEXTS.map((c) => [c, { total: 0, byQuery: new Map<string, number>() }])) as Record<
    ContextName,
    StatementCount
  >;
  for (const r of rows) {
    const entry = out[r.datname as ContextName];
    entry.total += Number(r.calls);
    entry.byQuery.set(r.query, (entry.byQuery.get(r.query) ?? 0) + Number(r.calls));
  }
  return out;
}
