/**
 * Issue 24: goblog P13's own clients against the shim on the real stack, sent as they sent
 * them (harness/go-client.ts: a new connection per request, no Content-Type on writes, no
 * Connection header), and what must stay refused: a browser page's writes. Also PUT as
 * P13's upsert, and errors a Go client cannot mistake for an account.
 */
import { countRows, removeCreated, sql, uniquePrefix } from './harness/fixtures';
import { goCall } from './harness/go-client';
import { startStack, type Stack } from './harness/stack';

const P = uniquePrefix('goc');
let stack: Stack;
const created: string[] = [];
const go = (method: string, path: string, opts?: { headers?: Record<string, string>; body?: string }) =>
  goCall(stack.gateway.port, method, path, opts);
const writes = async () => ({
  accounts: await countRows('account'),
  outbox: Number((await sql<{ n: string }>('account', 'SELECT count(*) AS n FROM outbox'))[0]!.n),
});
/** What a Go client's json.Unmarshal into a struct does with the body: only a JSON object decodes. */
const decodesAsAccount = (text: string) => {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

beforeAll(async () => {
  stack = await startStack({ relay: false });
});

afterAll(async () => {
  await stack?.stop();
  await removeCreated(P, created);
});

describe("dbloadtest's flow: create without a Content-Type, keep the ID, read it back", () => {
  test('POST 201 {"ID"} decoded as a map; GET of that ID 200 with its CREATED event; both connections closed by the server', async () => {
    const post = await go('POST', '/accounts', { body: JSON.stringify({ name: `${P}Firstname-1 Lastname-1` }) });
    expect([post.status, post.headers['content-type'], post.headers.connection]).toEqual([
      201,
      'application/json',
      'close',
    ]);
    expect(post.closedByServer).toBe(true);
    const id = (JSON.parse(post.text) as Record<string, string>).ID!;
    created.push(id);
    const get = await go('GET', `/accounts/${id}`);
    expect([get.status, get.headers.connection, get.closedByServer]).toEqual([200, 'close', true]);
    const account = JSON.parse(get.text) as { name: string; accountEvents: { eventName: string }[] };
    expect(account.name).toBe(`${P}Firstname-1 Lastname-1`);
    expect(account.accountEvents.map((e) => e.eventName)).toEqual(['CREATED']);
  });

  test('a client that asks for keep-alive keeps its connection', async () => {
    const r = await go('GET', '/health', { headers: { Connection: 'keep-alive' } });
    expect([r.status, r.text, r.headers.connection, r.closedByServer]).toEqual([
      200,
      '{"status":"UP"}',
      'keep-alive',
      false,
    ]);
  });
});

describe('a browser page still cannot write: 415, nothing written', () => {
  test.each<[string, Record<string, string>]>([
    ['no type, from a page (Origin)', { Origin: 'https://elsewhere.example' }],
    ['no type, Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    ['text/plain (a form with enctype="text/plain")', { 'Content-Type': 'text/plain' }],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'Content-Type': 'multipart/form-data; boundary=b' }],
  ])('%s: neither POST nor an upserting PUT writes', async (_, headers) => {
    const before = await writes();
    const post = await go('POST', '/accounts', { headers, body: JSON.stringify({ name: `${P}forged` }) });
    const put = await go('PUT', '/accounts', { headers, body: JSON.stringify({ id: `${P}forged`, name: 'x' }) });
    for (const r of [post, put]) {
      expect([r.status, r.headers['x-error-code']]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(decodesAsAccount(r.text)).toBe(false);
    }
    expect(await writes()).toEqual(before);
  });
});

describe("PUT as P13's upsert", () => {
  test('an unknown id: 200, the account created under that id with its CREATED event', async () => {
    const r = await go('PUT', '/accounts', { body: JSON.stringify({ ID: `${P}new`, Name: `${P}new name` }) });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as { id: string; name: string; accountEvents: { eventName: string }[] };
    expect([body.id, body.name, body.accountEvents.map((e) => e.eventName)]).toEqual([
      `${P}new`,
      `${P}new name`,
      ['CREATED'],
    ]);
    expect(await countRows('account', 'id = $1', [`${P}new`])).toBe(1);
    const again = await go('PUT', '/accounts', { body: JSON.stringify({ id: `${P}new`, name: `${P}renamed` }) });
    expect((JSON.parse(again.text) as typeof body).accountEvents.map((e) => e.eventName)).toEqual([
      'CREATED',
      'UPDATED',
    ]);
  });

  test('five concurrent PUTs of one new id: one account, one CREATED and four UPDATED events', async () => {
    const id = `${P}race`;
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => go('PUT', '/accounts', { body: JSON.stringify({ id, name: `${P}race ${i}` }) })),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await countRows('account', 'id = $1', [id])).toBe(1);
    const events = await sql<{ event_name: string }>(
      'account',
      'SELECT event_name FROM outbox WHERE account_id = $1 ORDER BY seq',
      [id],
    );
    expect(events.map((e) => e.event_name)).toEqual(['CREATED', 'UPDATED', 'UPDATED', 'UPDATED', 'UPDATED']);
  });

  test.each([
    ['no name', { id: `${P}nameless` }, /name/],
    ['an empty name', { id: `${P}nameless`, name: ' ' }, /name/],
    ['a name longer than POST takes', { id: `${P}nameless`, name: 'x'.repeat(201) }, /at most 200/],
    ['an id that is not a string', { id: 10000, name: 'x' }, /ID/],
  ])('%s: 400 text naming it, nothing written', async (_, body, message) => {
    const before = await writes();
    const r = await go('PUT', '/accounts', { body: JSON.stringify(body) });
    expect([r.status, r.headers['x-error-code']]).toEqual([400, 'BAD_USER_INPUT']);
    expect(r.text).toMatch(message);
    expect(decodesAsAccount(r.text)).toBe(false);
    expect(await writes()).toEqual(before);
  });
});

test("errors are texts a Go client's decode into an Account fails on, as P13's were", async () => {
  const replies = [
    await go('GET', `/accounts/${P}ghost`),
    await go('POST', '/accounts', { body: '{"name":' }),
    await go('GET', '/accounts/%zz'),
  ];
  expect(replies.map((r) => r.status)).toEqual([404, 400, 400]);
  for (const r of replies) expect(decodesAsAccount(r.text)).toBe(false);
  expect(replies[0]!.headers['x-error-code']).toBe('NOT_FOUND');
});
