/**
 * The REST shim against the old Go system's observable behaviour (issue 17), one block
 * per item, over the real stack: an image-less account is not an outage (and a real image
 * outage still is), trailing slashes and unclean paths redirected as gorilla/mux's
 * StrictSlash did, PUT's answer lists the UPDATED event it recorded, `application/json`
 * byte for byte on every legacy answer, the old router's 404 and 405 on legacy paths; and
 * from issue 14: REST writes take only JSON (415, nothing written) and a write that loses
 * to concurrent writes is a 409, caused for real by holding the account's row lock.
 * The relay is off (the recorded event is then certainly not yet in the data context) and
 * write transactions get one attempt (so one lost conflict is the client's answer).
 */
import { adminQuery, testDatabaseUrls, withClient } from './harness/db';
import {
  countRows,
  insertAccounts,
  insertEvents,
  insertImages,
  removeCreated,
  sql,
  uniquePrefix,
} from './harness/fixtures';
import { rawCall, restCall, type RawReply } from './harness/rest';
import { startStack, type Stack } from './harness/stack';

const P = uniquePrefix('restc');
const WITH_IMAGE = `${P}img`;
const NO_IMAGE = `${P}noimg`;
const RENAMED = `${P}renamed`;
const LOCKED = `${P}locked`;
const PARTIAL = 'x-partial-response';

let stack: Stack;
const created: string[] = [];
const enc = encodeURIComponent;
const raw = (method: string, path: string, opts?: { headers?: Record<string, string>; body?: string }) =>
  rawCall(stack.gateway.port, method, path, opts);
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const parse = (r: RawReply) => JSON.parse(r.text);
const writes = async () => ({
  accounts: await countRows('account'),
  outbox: Number((await sql<{ n: string }>('account', 'SELECT count(*) AS n FROM outbox'))[0]!.n),
});
const nameOf = async (id: string) =>
  (await sql<{ name: string }>('account', 'SELECT name FROM accounts WHERE id = $1', [id]))[0]?.name;
/** Local wall-clock time of `d`, computed independently of gateway/rest/legacy.ts. */
const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 23);

beforeAll(async () => {
  // Neither the relay nor a write's own eager delivery: what an answer lists comes from the
  // mutation and the stored rows only (PUT's event before it reaches the data context).
  stack = await startStack({ relay: false, txMaxAttempts: 1, env: { OUTBOX_EAGER_DEADLINE_MS: '0' } });
  const at = new Date('2024-05-01T10:00:00.000Z');
  await insertAccounts(
    [WITH_IMAGE, NO_IMAGE, RENAMED, LOCKED].map((id) => ({ id, name: `${id} name`, createdAt: at })),
  );
  await insertEvents([
    { id: `${RENAMED}-e1`, accountId: RENAMED, eventName: 'CREATED', created: at },
    { id: `${RENAMED}-e2`, accountId: RENAMED, eventName: 'UPDATED', created: new Date('2024-05-02T10:00:00.250Z') },
  ]);
  await insertImages([{ accountId: WITH_IMAGE, url: 'https://img.example.com/c.png' }]);
});

afterAll(async () => {
  await stack?.stop();
  await removeCreated(P, created);
});

describe('1. an account without an image is not an image-service outage', () => {
  test('no image: 200, imageData {"id":"","url":"","servedBy":""} as the old imageservice showed it, no x-partial-response', async () => {
    const r = await raw('GET', `/accounts/${enc(NO_IMAGE)}`);
    expect(r.status).toBe(200);
    expect(r.headers[PARTIAL]).toBeUndefined();
    expect(parse(r).imageData).toEqual({ id: '', url: '', servedBy: '' });
  });

  test('an account created by POST has no image: the same empty image, not the placeholder', async () => {
    const post = await raw('POST', '/accounts', json({ name: `${P}posted` }));
    expect(post.status).toBe(201);
    created.push(parse(post).ID);
    const r = await raw('GET', `/accounts/${enc(parse(post).ID)}`);
    expect(r.status).toBe(200);
    expect(r.headers[PARTIAL]).toBeUndefined();
    expect(parse(r).imageData).toEqual({ id: '', url: '', servedBy: '' });
  });

  test('the image context failing (its table gone) is an outage: the placeholder and x-partial-response, with or without an image', async () => {
    // A real failure inside the image context: its reads fail, it answers the field with an
    // error (not a missing service). The table is renamed back in `finally`.
    try {
      await adminQuery('ALTER TABLE account_images RENAME TO account_images_away', [], 'image');
      for (const id of [WITH_IMAGE, NO_IMAGE]) {
        const r = await raw('GET', `/accounts/${enc(id)}`);
        expect([id, r.status, r.headers[PARTIAL]]).toEqual([id, 200, 'imageData']);
        expect(parse(r).imageData).toEqual({ id: '', url: 'http://path.to.placeholder', servedBy: 'fallback' });
      }
    } finally {
      await adminQuery('ALTER TABLE account_images_away RENAME TO account_images', [], 'image');
    }
    const back = await raw('GET', `/accounts/${enc(WITH_IMAGE)}`);
    expect(back.headers[PARTIAL]).toBeUndefined();
    expect(parse(back).imageData).toEqual({
      id: WITH_IMAGE,
      url: 'https://img.example.com/c.png',
      servedBy: stack.subgraphs.image.servedBy,
    });
  });
});

describe('2. trailing slashes and unclean paths: 301 to the canonical path (gorilla/mux StrictSlash)', () => {
  test("GET /accounts/{id}/ → 301, Location without the slash, Go's text/html note; following it gives the canonical answer", async () => {
    const r = await raw('GET', `/accounts/${enc(WITH_IMAGE)}/`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`/accounts/${enc(WITH_IMAGE)}`);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.text).toBe(`<a href="/accounts/${enc(WITH_IMAGE)}">Moved Permanently</a>.\n\n`);
    const followed = await restCall(stack.gateway.port, 'GET', `/accounts/${enc(WITH_IMAGE)}/`);
    const canonical = await raw('GET', `/accounts/${enc(WITH_IMAGE)}`);
    expect(followed.status).toBe(200);
    expect(followed.text).toBe(canonical.text);
  });

  test('the query string is kept; /accountsbyname/{prefix}/ and /health/ redirect too', async () => {
    expect((await raw('GET', `/accounts/${enc(WITH_IMAGE)}/?a=1&b`)).headers.location).toBe(
      `/accounts/${enc(WITH_IMAGE)}?a=1&b`,
    );
    const byName = await raw('GET', `/accountsbyname/${enc(P)}/`);
    expect([byName.status, byName.headers.location]).toEqual([301, `/accountsbyname/${enc(P)}`]);
    const health = await raw('GET', '/health/');
    expect([health.status, health.headers.location]).toEqual([301, '/health']);
  });

  test('PUT /accounts/ → 301 to /accounts with no body and no content type (http.Redirect writes a note for GET only), nothing written', async () => {
    const before = await writes();
    const r = await raw('PUT', '/accounts/', json({ id: WITH_IMAGE, name: `${P}via-slash` }));
    expect([r.status, r.headers.location, r.headers['content-type'], r.text]).toEqual([
      301,
      '/accounts',
      undefined,
      '',
    ]);
    expect(await writes()).toEqual(before);
    expect(await nameOf(WITH_IMAGE)).toBe(`${WITH_IMAGE} name`);
  });

  test('an unclean path (// or ..) → 301 to the cleaned path, Location only', async () => {
    const r = await raw('GET', `/accounts//${enc(WITH_IMAGE)}`);
    expect([r.status, r.headers.location, r.headers['content-type'], r.text]).toEqual([
      301,
      `/accounts/${enc(WITH_IMAGE)}`,
      undefined,
      '',
    ]);
    const dots = await raw('GET', `/accountsbyname/x/../../health?q=1`);
    expect([dots.status, dots.headers.location]).toEqual([301, '/health?q=1']);
  });

  test("non-legacy paths keep the gateway's own conventions: no redirect for /graphql/", async () => {
    const r = await raw('GET', '/graphql/');
    expect(r.status).toBe(404);
    expect(r.headers.location).toBeUndefined();
  });
});

describe('3. PUT answers with the UPDATED event the rename just recorded', () => {
  test("accountEvents: the earlier events, then the UPDATED event with the outbox row's id and time; GraphQL sees it as recordedEvent", async () => {
    const r = await raw('PUT', '/accounts', json({ id: RENAMED, name: `${RENAMED} v2` }));
    expect(r.status).toBe(200);
    const [row] = await sql<{ id: string; utc: string }>(
      'account',
      `SELECT id, to_char(occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS utc FROM outbox WHERE account_id = $1 AND event_name = 'UPDATED'`,
      [RENAMED],
    );
    expect(row).toBeDefined();
    // The relay is off: the data context does not have the event, the answer has it from the mutation.
    expect(await countRows('data', 'id = $1', [row!.id])).toBe(0);
    expect(parse(r).accountEvents).toEqual([
      { ID: `${RENAMED}-e1`, eventName: 'CREATED', created: local(new Date('2024-05-01T10:00:00.000Z')) },
      { ID: `${RENAMED}-e2`, eventName: 'UPDATED', created: local(new Date('2024-05-02T10:00:00.250Z')) },
      { ID: row!.id, eventName: 'UPDATED', created: local(new Date(`${row!.utc}Z`)) },
    ]);
    // A plain read shows only what the data context has: the event is not invented there.
    expect(parse(await raw('GET', `/accounts/${enc(RENAMED)}`)).accountEvents).toHaveLength(2);
  });

  test('GraphQL: renameAccount { recordedEvent } is the outbox row; a read of the account has none (null)', async () => {
    const res = await stack.query<any>(
      'mutation($id: ID!) { renameAccount(id: $id, name: "x v3") { recordedEvent { id eventName created } } }',
      { id: RENAMED },
    );
    expect(res.errors).toBeUndefined();
    const ev = res.data.renameAccount.recordedEvent;
    const rows = await sql<{ id: string; at: Date }>(
      'account',
      'SELECT id, occurred_at AS at FROM outbox WHERE id = $1',
      [ev.id],
    );
    expect(rows).toHaveLength(1);
    expect(ev.eventName).toBe('UPDATED');
    expect(new Date(ev.created).toISOString()).toBe(ev.created);
    const read = await stack.query<any>('query($id: ID!) { account(id: $id) { recordedEvent { id } } }', {
      id: RENAMED,
    });
    expect(read.data.account.recordedEvent).toBeNull();
    const post = await stack.query<any>(
      'mutation { createAccount(name: "' + `${P}gql` + '") { id recordedEvent { eventName created } } }',
    );
    created.push(post.data.createAccount.id);
    expect(post.data.createAccount.recordedEvent.eventName).toBe('CREATED');
    expect(post.data.createAccount.recordedEvent.created).toMatch(/Z$/);
  });
});

describe('4. every legacy answer is sent as Content-Type: application/json, exactly', () => {
  test.each([
    ['GET /accounts/{id} 200', 'GET', `/accounts/${encodeURIComponent(`${P}img`)}`, undefined, 200],
    [
      'GET /accounts/{id} 404 (unknown id, an error text)',
      'GET',
      `/accounts/${encodeURIComponent(`${P}ghost`)}`,
      undefined,
      404,
    ],
    ['POST /accounts 400 (an error text)', 'POST', '/accounts', { name: '' }, 400],
    ['PUT /accounts 400 "PUT body is missing required field: ID"', 'PUT', '/accounts', { name: 'x' }, 400],
    ['PUT /accounts 400 (no name)', 'PUT', '/accounts', { id: `${P}ghost` }, 400],
    ['GET /accountsbyname/{prefix} 200', 'GET', `/accountsbyname/${encodeURIComponent(P)}`, undefined, 200],
    ['GET /health 200', 'GET', '/health', undefined, 200],
    ['POST /accounts 415', 'POST', '/accounts', 'text', 415],
    ['POST /accounts 400 (bad JSON)', 'POST', '/accounts', '{bad', 400],
  ])('%s', async (_, method, path, body, status) => {
    const opts =
      body === undefined
        ? {}
        : body === 'text'
          ? { headers: { 'content-type': 'text/plain' }, body: '{"name":"x"}' }
          : typeof body === 'string'
            ? { headers: { 'content-type': 'application/json' }, body }
            : json(body);
    const r = await raw(method, path, opts);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
  });

  test('the unknown-id text is the old one, under application/json', async () => {
    const r = await raw('GET', `/accounts/${enc(`${P}ghost`)}`);
    expect(r.text).toBe(`Account identified by '${P}ghost' not found`);
  });

  test('GraphQL and the new routes keep their own type (with charset)', async () => {
    const gql = await raw('POST', '/graphql', json({ query: '{ __typename }' }));
    expect(gql.headers['content-type']).toBe('application/json; charset=utf-8');
    const ready = await raw('GET', '/ready');
    expect(ready.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
  });
});

describe('5. unknown routes and methods on legacy paths, as the old router answered', () => {
  test.each([
    `/accounts/${encodeURIComponent(`${P}img`)}/events`,
    '/accountsbyname',
    '/accountsbyname/',
    '/health/deep',
    '/accounts/a/b/c',
  ])('GET %s → 404 text/plain "404 page not found\\n" (http.NotFound)', async (path) => {
    const r = await raw('GET', path);
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.text).toBe('404 page not found\n');
  });

  test.each([
    ['DELETE', `/accounts/${encodeURIComponent(`${P}img`)}`, 'GET'],
    ['HEAD', `/accounts/${encodeURIComponent(`${P}img`)}`, 'GET'],
    ['PUT', `/accounts/${encodeURIComponent(`${P}img`)}`, 'GET'],
    ['GET', '/accounts', 'POST, PUT'],
    ['PATCH', '/accounts', 'POST, PUT'],
    ['GET', '/accounts/', 'POST, PUT'],
    ['POST', '/health', 'GET'],
    ['DELETE', `/accountsbyname/${encodeURIComponent(P)}`, 'GET'],
  ])('%s %s → 405 with an empty body and no content type, nothing written', async (method, path, allow) => {
    const before = await writes();
    const r = await raw(
      method,
      path,
      method === 'GET' || method === 'HEAD' ? {} : json({ id: WITH_IMAGE, name: `${P}x` }),
    );
    expect([r.status, r.text, r.headers['content-type'], r.headers['content-length']]).toEqual([
      405,
      '',
      undefined,
      '0',
    ]);
    expect(r.headers.allow).toBe(allow);
    expect(await writes()).toEqual(before);
  });

  test('outside the legacy paths the gateway keeps its own 404', async () => {
    const r = await raw('GET', '/nothing-here');
    expect(r.status).toBe(404);
    expect(r.text).not.toBe('404 page not found\n');
  });
});

describe('issue 14: REST writes take only JSON (415, nothing written)', () => {
  test.each([
    ['text/plain (an HTML form with enctype="text/plain")', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart/form-data', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['no content type from a browser page (Origin)', { origin: 'https://elsewhere.example' }],
    ['no content type, Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['application/json-seq (not JSON)', { 'content-type': 'application/json-seq' }],
  ])('%s → 415 naming the required type, no account, no outbox row, no rename', async (_, headers) => {
    const before = await writes();
    const post = await raw('POST', '/accounts', { headers, body: JSON.stringify({ name: `${P}forged` }) });
    const put = await raw('PUT', '/accounts', {
      headers,
      body: JSON.stringify({ id: WITH_IMAGE, name: `${P}forged` }),
    });
    for (const r of [post, put]) {
      expect(r.status).toBe(415);
      expect(r.headers['x-error-code']).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(r.text).toMatch(/content-type must be application\/json/);
    }
    expect(await writes()).toEqual(before);
    expect(await countRows('account', 'name = $1', [`${P}forged`])).toBe(0);
    expect(await nameOf(WITH_IMAGE)).toBe(`${WITH_IMAGE} name`);
  });

  test.each(['application/json; charset=utf-8', 'Application/JSON'])('%s is JSON: 201', async (type) => {
    const r = await raw('POST', '/accounts', {
      headers: { 'content-type': type },
      body: JSON.stringify({ name: `${P}typed` }),
    });
    expect(r.status).toBe(201);
    created.push(parse(r).ID);
  });
});

describe('issue 14: a write that loses to concurrent writes is a 409, not a 503', () => {
  // Renames queue on the account's row lock (READ COMMITTED + SELECT … FOR UPDATE), so plain
  // contention no longer aborts them; a real deadlock still does (40P01, a serialization
  // failure), and with one attempt per transaction (this stack) the client gets the 409.
  test('PUT caught in a real deadlock: TRANSACTION_CONFLICT → 409 text, nothing written', async () => {
    const before = await writes();
    await withClient(testDatabaseUrls().account, async (c) => {
      await c.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      // Take the outbox slot the rename will want next (uncommitted): its insert will wait for us.
      await c.query(
        `INSERT INTO outbox (id, account_id, seq, event_name) SELECT $2, $1, coalesce(max(seq), 0) + 1, 'TEST' FROM outbox WHERE account_id = $1`,
        [LOCKED, `${LOCKED}-slot`],
      );
      const put = raw('PUT', '/accounts', json({ id: LOCKED, name: `${LOCKED} lost` }));
      let waiting = 0;
      for (let i = 0; i < 200 && waiting === 0; i++) {
        waiting = (
          await adminQuery(
            "SELECT 1 FROM pg_stat_activity WHERE datname = 'account' AND wait_event_type = 'Lock'",
            [],
            'account',
          )
        ).length;
        if (waiting === 0) await new Promise((r) => setTimeout(r, 25));
      }
      expect(waiting).toBeGreaterThan(0);
      // Now wait for the row the rename holds: a deadlock, which PostgreSQL breaks by aborting the rename (it waited first).
      await c.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [LOCKED]);
      await c.query('ROLLBACK');
      const r = await put;
      expect(r.status).toBe(409);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.text).toMatch(/nothing was written/);
    });
    expect(await nameOf(LOCKED)).toBe(`${LOCKED} name`);
    expect(await writes()).toEqual(before);
  });
});
