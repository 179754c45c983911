/**
 * The graph's behaviour as a client of the gateway sees it: look-ups, pagination, the
 * mutations of all three contexts with their input checks and error codes, quotes by
 * language, servedBy, and the full aggregated view of an account in one query. Rows are
 * checked in the databases themselves where a test claims something was (not) written.
 */
import {
  countRows,
  insertAccounts,
  removeFixtures,
  seedAccounts,
  sql,
  uniquePrefix,
  type SeededAccount,
} from './harness/fixtures';
import { postGraphQL, startStack, type GraphQLResponse, type Stack } from './harness/stack';

const P = uniquePrefix('graph');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stack: Stack;
let seeded: SeededAccount[];
let pages: SeededAccount[];
const BARE = `${P}bare`; // an account with no events and no image

beforeAll(async () => {
  stack = await startStack();
  seeded = await seedAccounts(`${P}one-`, 3);
  pages = await seedAccounts(`${P}page-`, 7);
  await insertAccounts([{ id: BARE, name: BARE, createdAt: new Date('2024-01-01T00:00:00.000Z') }]);
});

afterAll(async () => {
  await removeFixtures(P);
  await stack?.stop();
});

/** Asserts that the operation failed with one error of `code` (naming `field` when given) and no data. */
function expectError(res: GraphQLResponse, code: string, field?: string): void {
  expect(res.errors).toHaveLength(1);
  const error = res.errors![0]!;
  expect(error.extensions?.code).toBe(code);
  if (field) {
    expect(error.extensions?.field).toBe(field);
    expect(error.message).toContain(field);
  }
  expect(res.data ?? null).toBeNull();
}

const quotesOf = async (language: string) =>
  (await sql<{ text: string }>('account', 'SELECT text FROM quotes WHERE language = $1', [language])).map(
    (q) => q.text,
  );

describe('account(id)', () => {
  test('finds an account by id', async () => {
    const a = seeded[0]!.account;
    const res = await stack.query('query($id: ID!) { account(id: $id) { id name createdAt } }', { id: a.id });
    expect(res).toEqual({ data: { account: { id: a.id, name: a.name, createdAt: a.createdAt.toISOString() } } });
  });

  test('an unknown id is null, not an error', async () => {
    const res = await stack.query('query($id: ID!) { account(id: $id) { id eventCount imageData { url } } }', {
      id: `${P}nobody`,
    });
    expect(res).toEqual({ data: { account: null } });
  });
});

describe('accounts', () => {
  const PAGE = `query($prefix: String, $first: Int, $after: String) {
    accounts(namePrefix: $prefix, first: $first, after: $after) {
      edges { cursor node { id name } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;
  type Page = {
    accounts: {
      edges: { cursor: string; node: { id: string; name: string } }[];
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    };
  };
  const page = (vars: Record<string, unknown>) => stack.query<Page>(PAGE, { prefix: `${P}page-`, ...vars });

  test('pages through the accounts of a name prefix in id order, without duplicates', async () => {
    const seen: string[] = [];
    const flags: [boolean, boolean][] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res: GraphQLResponse<Page> = await page({ first: 3, after });
      expect(res.errors).toBeUndefined();
      const { edges, pageInfo } = res.data!.accounts;
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      expect(pageInfo.endCursor).toBe(edges[edges.length - 1]?.cursor ?? null);
      seen.push(...edges.map((e) => e.node.id));
      flags.push([pageInfo.hasNextPage, pageInfo.hasPreviousPage]);
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(pages.map((s) => s.account.id)); // 3 + 3 + 1, in id order, each once
    expect(flags).toEqual([
      [true, false],
      [true, true],
      [false, true],
    ]);
  });

  test('the name prefix is matched literally (LIKE wildcards are data)', async () => {
    const names = ['abc', 'a_c', 'a%c', 'a\\c'].map((n) => `${P}like-${n}`);
    await insertAccounts(names.map((name, i) => ({ id: `${P}like-${i}`, name, createdAt: new Date() })));
    const namesOf = async (prefix: string) =>
      (await stack.query<Page>(PAGE, { prefix, first: 100 })).data!.accounts.edges.map((e) => e.node.name);
    expect(await namesOf(`${P}like-a`)).toEqual(names);
    expect(await namesOf(`${P}like-a_`)).toEqual([`${P}like-a_c`]);
    expect(await namesOf(`${P}like-a%`)).toEqual([`${P}like-a%c`]);
    expect(await namesOf(`${P}like-a\\`)).toEqual([`${P}like-a\\c`]);
    expect(await namesOf(`${P}LIKE-`)).toEqual([]); // case-sensitive
  });

  test.each([0, 101, -1])('first: %d is rejected as BAD_USER_INPUT naming first', async (first) => {
    expectError(await page({ first }), 'BAD_USER_INPUT', 'first');
  });

  test.each(['garbage', Buffer.from('x:10000').toString('base64url'), '!!!'])(
    'after: %j is rejected as BAD_USER_INPUT',
    async (after) => {
      expectError(await page({ first: 3, after }), 'BAD_USER_INPUT', 'after');
    },
  );
});

describe('createAccount and renameAccount', () => {
  test('createAccount returns a UUID id and createdAt, and writes the row', async () => {
    const res = await stack.query<{ createAccount: { id: string; name: string; createdAt: string } }>(
      'mutation($n: String!) { createAccount(name: $n) { id name createdAt } }',
      { n: `  ${P}created  ` },
    );
    expect(res.errors).toBeUndefined();
    const created = res.data!.createAccount;
    expect(created.id).toMatch(UUID);
    expect(created.name).toBe(`${P}created`); // trimmed
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    expect(await countRows('account', 'id = $1 AND name = $2', [created.id, `${P}created`])).toBe(1);
  });

  test.each(['', '   ', '\t\n'])('createAccount(name: %j) is BAD_USER_INPUT and writes nothing', async (name) => {
    const before = await countRows('account');
    expectError(
      await stack.query('mutation($n: String!) { createAccount(name: $n) { id } }', { n: name }),
      'BAD_USER_INPUT',
      'name',
    );
    expect(await countRows('account')).toBe(before);
  });

  test('renameAccount renames', async () => {
    const id = seeded[2]!.account.id;
    const res = await stack.query('mutation($id: ID!, $n: String!) { renameAccount(id: $id, name: $n) { id name } }', {
      id,
      n: `${P}renamed`,
    });
    expect(res).toEqual({ data: { renameAccount: { id, name: `${P}renamed` } } });
    expect(await countRows('account', 'id = $1 AND name = $2', [id, `${P}renamed`])).toBe(1);
  });

  test('renameAccount of an unknown id is NOT_FOUND', async () => {
    const res = await stack.query('mutation($id: ID!) { renameAccount(id: $id, name: "x") { id } }', {
      id: `${P}nobody`,
    });
    expectError(res, 'NOT_FOUND');
    expect(res.errors![0]!.message).toContain(`${P}nobody`);
  });
});

describe("recordAccountEvent (the data subgraph's own write path) and events", () => {
  const RECORD =
    'mutation($input: RecordAccountEventInput!) { recordAccountEvent(input: $input) { id accountId eventName created } }';
  const record = <T = Record<string, any>>(_: string, variables: Record<string, unknown>) =>
    postGraphQL<T>(stack.subgraphs.data.url, RECORD, variables);

  test('is not part of the public API: the gateway does not know it', async () => {
    const res = await stack.query(RECORD, { input: { accountId: BARE, eventName: 'FORGED' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await countRows('data', 'event_name = $1', ['FORGED'])).toBe(0);
  });

  test('is idempotent on input.id: a repeat returns the stored event and stores nothing', async () => {
    const input = { id: `${P}evt-1`, accountId: BARE, eventName: 'LOGGED_IN', created: '2024-05-01T10:00:00.000Z' };
    const first = await record(RECORD, { input });
    expect(first).toEqual({ data: { recordAccountEvent: input } });
    const again = await record(RECORD, { input: { ...input, eventName: 'LOGGED_OUT', created: undefined } });
    expect(again).toEqual(first);
    expect(await countRows('data', 'id = $1', [input.id])).toBe(1);
  });

  test('generates the id and the time when omitted', async () => {
    const res = await record<{ recordAccountEvent: { id: string; created: string } }>(RECORD, {
      input: { accountId: BARE, eventName: 'PINGED' },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.recordAccountEvent.id).toMatch(UUID);
    expect(Number.isNaN(Date.parse(res.data!.recordAccountEvent.created))).toBe(false);
  });

  test.each(['created', 'X Y', '', '1ST', 'A'.repeat(65)])(
    'eventName %j is BAD_USER_INPUT and stores nothing',
    async (eventName) => {
      const before = await countRows('data');
      expectError(await record(RECORD, { input: { accountId: BARE, eventName } }), 'BAD_USER_INPUT', 'input.eventName');
      expect(await countRows('data')).toBe(before);
    },
  );

  test('events(eventName:) filters, oldest first', async () => {
    const s = seeded[0]!;
    const res = await stack.query(
      'query($id: ID!) { account(id: $id) { all: events { id eventName } updated: events(eventName: "UPDATED") { id } eventCount } }',
      { id: s.account.id },
    );
    expect(res).toEqual({
      data: {
        account: {
          all: s.events.map((e) => ({ id: e.id, eventName: e.eventName })),
          updated: [{ id: s.events[1].id }],
          eventCount: 2,
        },
      },
    });
  });
});

describe('setAccountImage', () => {
  const SET = 'mutation($id: ID!, $url: String!) { setAccountImage(accountId: $id, url: $url) { id url servedBy } }';
  const ID = `${P}imaged`;

  test('creates, then replaces, the one image of an account', async () => {
    for (const url of ['https://img.example.com/a.png', 'http://img.example.com/b.png']) {
      const res = await stack.query(SET, { id: ID, url });
      expect(res).toEqual({ data: { setAccountImage: { id: ID, url, servedBy: stack.subgraphs.image.servedBy } } });
    }
    expect(await sql('image', 'SELECT url FROM account_images WHERE account_id = $1', [ID])).toEqual([
      { url: 'http://img.example.com/b.png' },
    ]);
  });

  test.each(['ftp://x', 'not a url', 'javascript:alert(1)', ''])(
    'url %j is BAD_USER_INPUT and changes nothing',
    async (url) => {
      expectError(await stack.query(SET, { id: ID, url }), 'BAD_USER_INPUT', 'url');
      expect(await sql('image', 'SELECT url FROM account_images WHERE account_id = $1', [ID])).toEqual([
        { url: 'http://img.example.com/b.png' },
      ]);
    },
  );
});

describe('quote', () => {
  const QUOTE = 'query($id: ID!, $l: String) { account(id: $id) { quote(language: $l) { text language } } }';
  const quote = async (language?: string, id = seeded[0]!.account.id) => {
    const res = await stack.query<{ account: { quote: { text: string; language: string } } }>(QUOTE, {
      id,
      l: language,
    });
    expect(res.errors).toBeUndefined();
    return res.data!.account.quote;
  };

  test('in Swedish when asked for sv (any case)', async () => {
    const sv = await quotesOf('sv');
    for (const l of ['sv', 'SV']) {
      const q = await quote(l);
      expect(q.language).toBe('sv');
      expect(sv).toContain(q.text);
    }
  });

  test('falls back to English for an unknown language, and English is the default', async () => {
    const en = await quotesOf('en');
    for (const l of ['xx', undefined]) {
      const q = await quote(l);
      expect(q.language).toBe('en');
      expect(en).toContain(q.text);
    }
  });

  test('the same account gets the same quote every time', async () => {
    for (const s of seeded) expect(await quote('en', s.account.id)).toEqual(await quote('en', s.account.id));
  });
});

test('the full aggregated view of an account in one query', async () => {
  const s = seeded[1]!;
  const res = await stack.query(
    `query($id: ID!) { account(id: $id) {
      id name servedBy createdAt
      quote { text language servedBy }
      imageData { id url servedBy }
      events { id eventName created }
      eventCount
    } }`,
    { id: s.account.id },
  );
  expect(res.errors).toBeUndefined();
  const account = (res.data as { account: Record<string, unknown> }).account;
  expect(account).toEqual({
    id: s.account.id,
    name: s.account.name,
    servedBy: stack.subgraphs.account.servedBy,
    createdAt: s.account.createdAt.toISOString(),
    quote: { text: expect.any(String), language: 'en', servedBy: stack.subgraphs.account.servedBy },
    imageData: { id: s.account.id, url: s.image.url, servedBy: stack.subgraphs.image.servedBy },
    events: s.events.map((e) => ({ id: e.id, eventName: e.eventName, created: e.created.toISOString() })),
    eventCount: 2,
  });
  expect(await quotesOf('en')).toContain((account.quote as { text: string }).text);
  expect(account.servedBy).toMatch(/^account@.+/);
  expect((account.imageData as { servedBy: string }).servedBy).toMatch(/^image@.+/);
});
