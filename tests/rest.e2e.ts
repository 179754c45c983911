/**
 * The REST compatibility shim (gateway/rest) against the old Go account service's
 * contract, over the real stack: every route and status code, exact JSON shapes and key
 * casing, content types, local `created` times, ids that need URL encoding, malformed
 * bodies (checked in the databases: nothing written), POST/PUT followed by their outbox
 * events, /accountsbyname grouping and literal prefixes. Faults and batching: rest-faults.e2e.ts;
 * the old router's behaviour, 415, 409: rest-contract.e2e.ts; the old exchanges: rest-fixtures.e2e.ts.
 */
import { quoteIndex } from '../subgraphs/account/resolvers';
import {
  countRows,
  insertAccounts,
  insertEvents,
  insertImages,
  removeCreated,
  sql,
  uniquePrefix,
} from './harness/fixtures';
import { startStack, type Stack } from './harness/stack';
import { restCall, type RestReply } from './harness/rest';

const P = uniquePrefix('rest');
const LOCAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/;
const ACCOUNT_KEYS = ['accountEvents', 'id', 'imageData', 'name', 'quote', 'servedBy'];
const NO_IMAGE = { id: '', url: '', servedBy: '' };

let stack: Stack;
const created: string[] = []; // ids of accounts POSTed (random UUIDs, so not covered by the prefix)

type Reply = RestReply;
const rest = (method: string, path: string, body?: string): Promise<Reply> =>
  restCall(stack.gateway.port, method, path, body);

const enc = encodeURIComponent;
const sorted = (o: object) => Object.keys(o).sort();
/** Local wall-clock time of `d`, computed independently of gateway/rest/legacy.ts. */
const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 23);

/** The account's events as stored (UTC wall clock in a `timestamp` column), in the legacy shape. */
async function storedEvents(accountId: string) {
  const rows = await sql<{ id: string; event_name: string; utc: string }>(
    'data',
    `SELECT id, event_name, to_char(created, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS utc FROM account_events WHERE account_id = $1 ORDER BY created, id`,
    [accountId],
  );
  return rows.map((r) => ({ ID: r.id, eventName: r.event_name, created: local(new Date(`${r.utc}Z`)) }));
}

async function expectedQuote(accountId: string): Promise<string> {
  const texts = (
    await sql<{ text: string }>('account', "SELECT text FROM quotes WHERE language = 'en' ORDER BY id")
  ).map((q) => q.text);
  return texts[quoteIndex(accountId, texts.length)]!;
}

const writes = async () => ({
  accounts: await countRows('account'),
  outbox: Number((await sql<{ n: string }>('account', 'SELECT count(*) AS n FROM outbox'))[0]!.n),
});

/** Polls GET /accounts/:id until `done` holds (outbox events arrive asynchronously). */
async function eventually(id: string, done: (body: any) => boolean): Promise<any> {
  let last: Reply | undefined;
  for (let i = 0; i < 150; i++) {
    last = await rest('GET', `/accounts/${enc(id)}`);
    if (last.status === 200 && done(last.json)) return last.json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not reached; last answer: ${last?.status} ${last?.text}`);
}

const FULL = `${P}full`; // two events, an image
const BARE = `${P}bare`; // no events, no image
const ODD = [`${P}a b/c`, `${P}ä?#%`, `${P}pct%41`]; // ids that need encoding

beforeAll(async () => {
  stack = await startStack();
  const at = (iso: string) => new Date(iso);
  await insertAccounts(
    [FULL, BARE, ...ODD].map((id) => ({ id, name: `${id} name`, createdAt: at('2023-12-31T23:00:00.000Z') })),
  );
  await insertEvents([
    { id: `${FULL}-e1`, accountId: FULL, eventName: 'CREATED', created: at('2023-12-31T23:59:59.987Z') },
    { id: `${FULL}-e2`, accountId: FULL, eventName: 'UPDATED', created: at('2024-07-01T00:00:00.005Z') },
    ...ODD.map((id) => ({
      id: `${id}-e1`,
      accountId: id,
      eventName: 'CREATED',
      created: at('2024-02-29T12:34:56.789Z'),
    })),
  ]);
  await insertImages(
    [FULL, ...ODD].map((accountId) => ({ accountId, url: `https://img.example.com/${enc(accountId)}.png` })),
  );
});

afterAll(async () => {
  await stack?.stop();
  await removeCreated(P, created);
});

describe('GET /accounts/{accountId}', () => {
  test('200 JSON in the old shape: `ID` inside accountEvents, `id` elsewhere, local times without zone', async () => {
    const r = await rest('GET', `/accounts/${enc(FULL)}`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json\b/);
    expect(r.headers.get('x-partial-response')).toBeNull();
    expect(sorted(r.json)).toEqual(ACCOUNT_KEYS);
    expect(sorted(r.json.quote)).toEqual(['ipAddress', 'language', 'quote']);
    expect(sorted(r.json.imageData)).toEqual(['id', 'servedBy', 'url']);
    for (const e of r.json.accountEvents) {
      expect(Object.keys(e).sort()).toEqual(['ID', 'created', 'eventName']);
      expect(e.created).toMatch(LOCAL_TIME);
    }
    const events = await storedEvents(FULL);
    expect(events.map((e) => e.ID)).toEqual([`${FULL}-e1`, `${FULL}-e2`]);
    expect(r.json).toEqual({
      id: FULL,
      name: `${FULL} name`,
      servedBy: stack.subgraphs.account.servedBy,
      quote: { quote: await expectedQuote(FULL), ipAddress: stack.subgraphs.account.servedBy, language: 'en' },
      imageData: {
        id: FULL,
        url: `https://img.example.com/${enc(FULL)}.png`,
        servedBy: stack.subgraphs.image.servedBy,
      },
      accountEvents: events,
    });
    // The stored instants, rendered in this process's time zone (the gateway's).
    expect(r.json.accountEvents.map((e: any) => e.created)).toEqual([
      local(new Date('2023-12-31T23:59:59.987Z')),
      local(new Date('2024-07-01T00:00:00.005Z')),
    ]);
  });

  test('an account without events or image: accountEvents [] (an array) and an empty image (not the outage placeholder), not partial', async () => {
    const r = await rest('GET', `/accounts/${enc(BARE)}`);
    expect(r.status).toBe(200);
    expect(sorted(r.json)).toEqual(ACCOUNT_KEYS);
    expect(r.json.accountEvents).toEqual([]);
    expect(r.json.imageData).toEqual(NO_IMAGE);
    expect(r.headers.get('x-partial-response')).toBeNull();
  });

  test.each(ODD)('an id with characters that need encoding is found when encoded: %j', async (id) => {
    const r = await rest('GET', `/accounts/${enc(id)}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id, name: `${id} name`, imageData: { id }, accountEvents: await storedEvents(id) });
    expect(r.json.accountEvents).toHaveLength(1);
  });

  test.each([
    ['space and slash', `/accounts/${enc(`${P}no a b/c`)}`, `${P}no a b/c`],
    ['non-ASCII and URL delimiters', `/accounts/${enc(`${P}nö?#%`)}`, `${P}nö?#%`],
    ['a percent-encoded path segment, decoded once', `/accounts/${P}pct%41`, `${P}pctA`],
    ['an encoded percent sign, not decoded twice', `/accounts/${enc(`${P}no%41`)}`, `${P}no%41`],
  ])('unknown id (%s) → 404 text naming the decoded id', async (_, path, id) => {
    const r = await rest('GET', path);
    expect(r.status).toBe(404);
    expect(r.type).toBe('application/json'); // the old service's header, over its error texts too
    expect(r.text).toBe(`Account identified by '${id}' not found`);
  });

  test("a path with a malformed escape → net/http's own 400 Bad Request, text/plain, connection closed", async () => {
    for (const path of ['/accounts/%E0%A4%A', '/accounts/%zz']) {
      const r = await rest('GET', path);
      expect([path, r.status, r.type, r.text]).toEqual([path, 400, 'text/plain; charset=utf-8', '400 Bad Request']);
      expect(r.headers.get('connection')).toBe('close');
    }
  });
});

describe('POST /accounts', () => {
  test('201 {"ID"}; GET finds the new account and, eventually, its CREATED event', async () => {
    const r = await rest('POST', '/accounts', JSON.stringify({ name: `${P}posted` }));
    expect(r.status).toBe(201);
    expect(r.type).toMatch(/^application\/json\b/);
    expect(Object.keys(r.json)).toEqual(['ID']);
    const id: string = r.json.ID;
    created.push(id);
    const got = await rest('GET', `/accounts/${enc(id)}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id, name: `${P}posted` });
    const body = await eventually(id, (b) => b.accountEvents.length > 0);
    expect(body.accountEvents).toEqual([
      { ID: expect.any(String), eventName: 'CREATED', created: expect.stringMatching(LOCAL_TIME) },
    ]);
    expect(body.accountEvents).toEqual(await storedEvents(id));
  });

  test('the field name is matched case-insensitively, like encoding/json', async () => {
    const r = await rest('POST', '/accounts', JSON.stringify({ NAME: `${P}upper` }));
    expect(r.status).toBe(201);
    created.push(r.json.ID);
    expect((await rest('GET', `/accounts/${enc(r.json.ID)}`)).json.name).toBe(`${P}upper`);
  });

  test.each([
    ['not JSON', `{"name": "${P}x"`, /JSON/],
    ['a JSON array', `[{"name": "${P}x"}]`, /JSON object/],
    ['a JSON string', JSON.stringify(`${P}x`), /JSON object/],
    ['an empty body', '', /JSON object/],
    ['no name', JSON.stringify({ nom: `${P}x` }), /name/],
    ['a name that is not a string', JSON.stringify({ name: 42 }), /name/],
    ['a null name', JSON.stringify({ name: null }), /name/],
    ['an empty name', JSON.stringify({ name: '' }), /name/],
    ['a whitespace name', JSON.stringify({ name: ' \t ' }), /name/],
    ['a name too long (rejected by the account context)', JSON.stringify({ name: `${P}${'x'.repeat(200)}` }), /name/],
  ])('%s → 400 with a message, nothing written', async (_, body, message) => {
    const before = await writes();
    const r = await rest('POST', '/accounts', body);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(message);
    expect(await writes()).toEqual(before);
  });
});

describe('PUT /accounts', () => {
  test('200 with the renamed account in the GET shape, its UPDATED event already listed; GET shows the same event once delivered', async () => {
    const r = await rest('PUT', '/accounts', JSON.stringify({ id: BARE, name: `${BARE} renamed` }));
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(sorted(r.json)).toEqual(ACCOUNT_KEYS);
    expect(r.json).toMatchObject({
      id: BARE,
      name: `${BARE} renamed`,
      quote: { quote: await expectedQuote(BARE), language: 'en' },
    });
    // As the old service's answer did: the event the rename recorded (the relay may or may not have delivered it yet: listed once either way).
    expect(r.json.accountEvents).toEqual([
      { ID: expect.any(String), eventName: 'UPDATED', created: expect.stringMatching(LOCAL_TIME) },
    ]);
    expect((await rest('GET', `/accounts/${enc(BARE)}`)).json.name).toBe(`${BARE} renamed`);
    const body = await eventually(BARE, (b) => b.accountEvents.length > 0);
    expect(body.accountEvents).toEqual(r.json.accountEvents);
    expect(body.accountEvents).toEqual(await storedEvents(BARE));
  });

  test('an account with history: its events, then the new UPDATED one, each once (before and after delivery)', async () => {
    const [before, r] = [
      await storedEvents(FULL),
      await rest('PUT', '/accounts', JSON.stringify({ id: FULL, name: `${FULL} name` })),
    ];
    expect(r.json.accountEvents).toEqual([
      ...before,
      { ID: expect.any(String), eventName: 'UPDATED', created: expect.stringMatching(LOCAL_TIME) },
    ]);
    expect((await eventually(FULL, (b) => b.accountEvents.length === before.length + 1)).accountEvents).toEqual(
      r.json.accountEvents,
    );
  });

  test('"ID" and "Name" work too (case-insensitive field names)', async () => {
    const r = await rest('PUT', '/accounts', JSON.stringify({ ID: ODD[0], Name: `${ODD[0]} Renamed` }));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: ODD[0], name: `${ODD[0]} Renamed` });
  });

  test.each([
    ['no id', JSON.stringify({ name: `${P}x` }), 'PUT body is missing required field: ID'],
    ['an empty id', JSON.stringify({ id: '', name: `${P}x` }), 'PUT body is missing required field: ID'],
    ['an id that is not a string', JSON.stringify({ id: 7, name: `${P}x` }), 'PUT body is missing required field: ID'],
  ])('%s → 400 text naming the missing ID, nothing written', async (_, body, text) => {
    const before = await writes();
    const r = await rest('PUT', '/accounts', body);
    expect(r.status).toBe(400);
    expect(r.type).toBe('application/json');
    expect(r.text).toBe(text);
    expect(await writes()).toEqual(before);
  });

  test.each([
    ['no name', JSON.stringify({ id: FULL })],
    ['a whitespace name', JSON.stringify({ id: FULL, name: '  ' })],
    ['not JSON', '{"id":'],
    ['a JSON array', JSON.stringify([{ id: FULL, name: 'x' }])],
    ['an empty body', ''],
  ])('%s → 400 with a message, nothing written', async (_, body) => {
    const before = await writes();
    const r = await rest('PUT', '/accounts', body);
    expect(r.status).toBe(400);
    expect(r.text.trim()).not.toBe('');
    expect(await writes()).toEqual(before);
    expect((await rest('GET', `/accounts/${enc(FULL)}`)).json.name).toBe(`${FULL} name`);
  });
});

describe('GET /accountsbyname/{prefix}', () => {
  const BY = `${P}by-`;
  beforeAll(async () => {
    const accounts = [
      ['1', 'Alpha', 3],
      ['2', 'Beta', 1],
      ['3', 'Dup', 2],
      ['4', 'Dup', 3],
      ['5', 'Zero', 0],
      ['6', 'lit%_x', 1],
      ['7', 'litAB', 4],
      ['8', 'lit_y', 2],
    ] as const;
    await insertAccounts(
      accounts.map(([id, name]) => ({ id: `${BY}${id}`, name: `${BY}${name}`, createdAt: new Date() })),
    );
    await insertEvents(
      accounts.flatMap(([id, , n]) =>
        Array.from({ length: n }, (_, i) => ({
          id: `${BY}${id}-e${i}`,
          accountId: `${BY}${id}`,
          eventName: 'CREATED',
          created: new Date(),
        })),
      ),
    );
  });

  test('names starting with the prefix, grouped by name (Count = their events), sorted by name', async () => {
    const r = await rest('GET', `/accountsbyname/${enc(BY)}`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json\b/);
    for (const entry of r.json) expect(Object.keys(entry)).toEqual(['Name', 'Count']);
    expect(r.json).toEqual([
      { Name: `${BY}Alpha`, Count: 3 },
      { Name: `${BY}Beta`, Count: 1 },
      { Name: `${BY}Dup`, Count: 5 },
      { Name: `${BY}Zero`, Count: 0 },
      { Name: `${BY}lit%_x`, Count: 1 },
      { Name: `${BY}litAB`, Count: 4 },
      { Name: `${BY}lit_y`, Count: 2 },
    ]);
  });

  test.each([
    [`${BY}lit%_`, [{ Name: `${BY}lit%_x`, Count: 1 }]],
    [`${BY}lit_`, [{ Name: `${BY}lit_y`, Count: 2 }]],
    [`${BY}Du`, [{ Name: `${BY}Dup`, Count: 5 }]],
  ])('the prefix %j is matched literally (%% and _ are not wildcards)', async (prefix, want) => {
    const r = await rest('GET', `/accountsbyname/${enc(prefix)}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(want);
  });

  test('a prefix matching nothing → 200 []', async () => {
    const r = await rest('GET', `/accountsbyname/${enc(`${P}nothing`)}`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json\b/);
    expect(r.json).toEqual([]);
  });
});

test('GET /health → 200 {"status":"UP"}', async () => {
  const r = await rest('GET', '/health');
  expect(r.status).toBe(200);
  expect(r.type).toMatch(/^application\/json\b/);
  expect(r.json).toEqual({ status: 'UP' });
});
