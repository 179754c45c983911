/**
 * Batching, proven by the databases themselves: PostgreSQL's pg_stat_statements counts
 * the statements each context's database runs for one GraphQL operation. A page of
 * accounts with their events, counts, images and quotes must cost a constant number of
 * statements per database, whatever the page size (no N+1), and one `_entities` call to
 * a subgraph must cost one SELECT per loader, whatever the number of representations.
 */
import type { ContextName } from '../platform/config';
import { countStatements, type StatementCount } from './harness/db';
import { removeFixtures, seedAccounts, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { postGraphQL, startStack, type GraphQLResponse, type Stack } from './harness/stack';

const PREFIX = uniquePrefix('batch');
const BIG = `${PREFIX}big-`;
const SMALL = `${PREFIX}small-`;

let stack: Stack;
let big: SeededAccount[];
let small: SeededAccount[];

beforeAll(async () => {
  stack = await startStack({ relay: false }); /* its polling would add to the counts */
  big = await seedAccounts(BIG, 100);
  small = await seedAccounts(SMALL, 20);
});

afterAll(async () => {
  await removeFixtures(PREFIX);
  await stack?.stop();
});

type Counts = Record<ContextName, StatementCount>;

/** Runs one operation and returns its result with the statements each database ran for it. */
async function measured<T>(
  run: () => Promise<GraphQLResponse<T>>,
): Promise<{ res: GraphQLResponse<T>; counts: Counts }> {
  let res: GraphQLResponse<T> | undefined;
  const counts = await countStatements(async () => {
    res = await run();
  });
  return { res: res!, counts };
}

/** Calls of the statements whose (normalised) text matches `pattern`. */
function calls(count: StatementCount, pattern: RegExp): number {
  let n = 0;
  for (const [query, c] of count.byQuery) if (pattern.test(query)) n += c;
  return n;
}

const totals = (c: Counts) => ({ account: c.account.total, data: c.data.total, image: c.image.total });

/** Runs the assertions; a failure also lists the statements each database ran. */
function explained(c: Counts, assertions: () => void): void {
  try {
    assertions();
  } catch (err) {
    const seen = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, [...v.byQuery]]));
    (err as Error).message += `\n\nstatements run: ${JSON.stringify(seen, null, 1)}`;
    throw err;
  }
}

const from = (table: string) => new RegExp(`\\bFROM\\s+("public"\\.)?"${table}"`, 'i');
const EVENTS_SELECT = from('account_events');
const GROUPED = /\bGROUP BY\b/i;

describe('a page of accounts through the gateway', () => {
  const PAGE = `query($prefix: String!) {
    accounts(namePrefix: $prefix, first: 100) {
      edges { node { id name events { eventName } eventCount imageData { url } quote { text } } }
      pageInfo { hasNextPage }
    }
  }`;

  interface PageData {
    accounts: {
      edges: {
        node: {
          id: string;
          name: string;
          events: { eventName: string }[];
          eventCount: number;
          imageData: { url: string } | null;
          quote: { text: string } | null;
        };
      }[];
      pageInfo: { hasNextPage: boolean };
    };
  }

  function expectPage(res: GraphQLResponse<PageData>, seeded: SeededAccount[]): void {
    expect(res.errors).toBeUndefined();
    const edges = res.data!.accounts.edges;
    expect(edges.map((e) => e.node.id)).toEqual(seeded.map((s) => s.account.id));
    expect(res.data!.accounts.pageInfo.hasNextPage).toBe(false);
    edges.forEach(({ node }, i) => {
      const s = seeded[i]!;
      expect(node).toEqual({
        id: s.account.id,
        name: s.account.name,
        events: [{ eventName: 'CREATED' }, { eventName: 'UPDATED' }],
        eventCount: 2,
        imageData: { url: s.image.url },
        quote: { text: expect.any(String) },
      });
      expect(node.quote!.text.length).toBeGreaterThan(0);
    });
  }

  let bigCounts: Counts;

  test('100 accounts cost a constant number of statements in each database', async () => {
    // The account process keeps the quotes reference table in memory (subgraphs/account/quotes.ts):
    // the first query reads it once, later ones not at all.
    const cold = await measured(() => stack.query<PageData>(PAGE, { prefix: BIG }));
    explained(cold.counts, () => expect(calls(cold.counts.account, from('quotes'))).toBe(1));
    const { res, counts } = await measured(() => stack.query<PageData>(PAGE, { prefix: BIG }));
    expectPage(res, big);
    bigCounts = counts;
    explained(counts, () => {
      // account: the page only; quotes come from the process's copy.
      expect(counts.account.total).toBe(1);
      expect(calls(counts.account, from('accounts'))).toBe(1);
      // data: all the events; the counts are those same rows' (no second statement).
      expect(counts.data.total).toBe(1);
      expect(calls(counts.data, EVENTS_SELECT)).toBe(1);
      expect(calls(counts.data, GROUPED)).toBe(0);
      // image: all the images.
      expect(counts.image.total).toBe(1);
      expect(calls(counts.image, from('account_images'))).toBe(1);
    });
  });

  test('20 accounts cost exactly as many statements as 100', async () => {
    const { res, counts } = await measured(() => stack.query<PageData>(PAGE, { prefix: SMALL }));
    expectPage(res, small);
    explained(counts, () => expect(totals(counts)).toEqual(totals(bigCounts)));
  });
});

describe('one _entities call sent to a subgraph directly', () => {
  const reps = () => big.slice(0, 50).map((s) => ({ __typename: 'Account', id: s.account.id }));
  const ENTITIES = (selection: string) =>
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { ${selection} } } }`;

  test('data: 50 accounts with events and counts → one SELECT, the counts from its rows', async () => {
    type Data = { _entities: { id: string; events: { id: string }[]; eventCount: number }[] };
    const { res, counts } = await measured(() =>
      postGraphQL<Data>(stack.subgraphs.data.url, ENTITIES('id events { id } eventCount'), { r: reps() }),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual(
      big.slice(0, 50).map((s) => ({ id: s.account.id, events: s.events.map((e) => ({ id: e.id })), eventCount: 2 })),
    );
    // One statement, one snapshot: the list and the count cannot disagree.
    expect(calls(counts.data, EVENTS_SELECT)).toBe(1);
    expect(calls(counts.data, GROUPED)).toBe(0);
    expect(totals(counts)).toEqual({ account: 0, data: 1, image: 0 });
  });

  test('data: 50 accounts, counts only → one grouped COUNT, no event rows', async () => {
    type Data = { _entities: { id: string; eventCount: number }[] };
    const r = [...reps(), { __typename: 'Account', id: `${PREFIX}no-events` }];
    const { res, counts } = await measured(() =>
      postGraphQL<Data>(stack.subgraphs.data.url, ENTITIES('id eventCount'), { r }),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      ...big.slice(0, 50).map((s) => ({ id: s.account.id, eventCount: 2 })),
      { id: `${PREFIX}no-events`, eventCount: 0 },
    ]);
    const events = [...counts.data.byQuery].filter(([q]) => EVENTS_SELECT.test(q));
    expect(events.filter(([q]) => GROUPED.test(q) && /count\(/i.test(q)).reduce((n, [, c]) => n + c, 0)).toBe(1);
    expect(totals(counts)).toEqual({ account: 0, data: 1, image: 0 });
  });

  test('data: counts of some accounts, events of others, in one request → their own statements', async () => {
    type Data = { _entities: ({ id: string; eventCount: number } | { id: string; events: { id: string }[] })[] };
    // Each representation asks the same selection; aliases on a second entity list are not possible
    // in one _entities call, so two root fields: the first reads events and counts of 0..9,
    // the second only counts of 10..19 (no events read for those).
    const query = `query($a: [_Any!]!, $b: [_Any!]!) {
      a: _entities(representations: $a) { ... on Account { id events { id } eventCount } }
      b: _entities(representations: $b) { ... on Account { id eventCount } } }`;
    const a = reps().slice(0, 10);
    const b = reps().slice(10, 20);
    const { res, counts } = await measured(() =>
      postGraphQL<{ a: Data['_entities']; b: Data['_entities'] }>(stack.subgraphs.data.url, query, { a, b }),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.a).toEqual(
      big.slice(0, 10).map((s) => ({ id: s.account.id, events: s.events.map((e) => ({ id: e.id })), eventCount: 2 })),
    );
    expect(res.data!.b).toEqual(big.slice(10, 20).map((s) => ({ id: s.account.id, eventCount: 2 })));
    expect(calls(counts.data, GROUPED)).toBe(1);
    expect(totals(counts)).toEqual({ account: 0, data: 2, image: 0 });
  });

  test('data: differently filtered event lists of the same accounts still share one SELECT', async () => {
    type Data = { _entities: { all: { eventName: string }[]; updated: { eventName: string }[] }[] };
    const { res, counts } = await measured(() =>
      postGraphQL<Data>(
        stack.subgraphs.data.url,
        ENTITIES('all: events { eventName } updated: events(eventName: "UPDATED") { eventName }'),
        { r: reps() },
      ),
    );
    expect(res.errors).toBeUndefined();
    for (const e of res.data!._entities) {
      expect(e.all).toEqual([{ eventName: 'CREATED' }, { eventName: 'UPDATED' }]);
      expect(e.updated).toEqual([{ eventName: 'UPDATED' }]);
    }
    expect(calls(counts.data, EVENTS_SELECT)).toBe(1);
    expect(totals(counts)).toEqual({ account: 0, data: 1, image: 0 });
  });

  test('image: 50 accounts (and one without an image) → one SELECT of images', async () => {
    type Data = { _entities: { id: string; imageData: { id: string; url: string } | null }[] };
    const r = [...reps(), { __typename: 'Account', id: `${PREFIX}no-image` }];
    const { res, counts } = await measured(() =>
      postGraphQL<Data>(stack.subgraphs.image.url, ENTITIES('id imageData { id url }'), { r }),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      ...big.slice(0, 50).map((s) => ({ id: s.account.id, imageData: { id: s.account.id, url: s.image.url } })),
      { id: `${PREFIX}no-image`, imageData: null },
    ]);
    expect(calls(counts.image, from('account_images'))).toBe(1);
    expect(totals(counts)).toEqual({ account: 0, data: 0, image: 1 });
  });

  test('account: 50 accounts by id (and one unknown) → one SELECT of accounts', async () => {
    type Data = { _entities: ({ id: string; name: string; createdAt: string } | null)[] };
    const r = [...reps(), { __typename: 'Account', id: `${PREFIX}unknown` }];
    const { res, counts } = await measured(() =>
      postGraphQL<Data>(stack.subgraphs.account.url, ENTITIES('id name createdAt'), { r }),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      ...big
        .slice(0, 50)
        .map((s) => ({ id: s.account.id, name: s.account.name, createdAt: s.account.createdAt.toISOString() })),
      null,
    ]);
    expect(calls(counts.account, from('accounts'))).toBe(1);
    expect(totals(counts)).toEqual({ account: 1, data: 0, image: 0 });
  });
});
