/**
 * Idempotency-Key through the whole stack (gateway, subgraphs, test PostgreSQL), as a client
 * sends it: GraphQL mutations and the REST shim's POST/PUT /accounts. Same key twice (in a
 * row and at once) → one write and the same answer, marked Idempotent-Replayed; same key with
 * another request → the reuse error (REST 422); a key on a document with two mutation fields
 * or a malformed key → refused, nothing written; no key → as before (REST's old clients).
 * Then 200 concurrent creates with keys, each sent twice; 50 concurrent renames of one account
 * through the gateway; and the pruner removing expired keys only.
 */
import { randomUUID } from 'node:crypto';
import { PrismaClient } from '../generated/account/client';
import { ErrorCode } from '../platform/errors';
import { connectDatabase } from '../subgraphs/kit/database';
import { ExpiryPruner } from '../subgraphs/kit/expiry-pruner';
import { adminQuery, testDatabaseUrls, withClient } from './harness/db';
import { uniquePrefix } from './harness/fixtures';
import { postJson, request, type Reply } from './harness/request';
import { startStack, type Stack } from './harness/stack';

jest.setTimeout(120_000);

const P = uniquePrefix('idem');
let stack: Stack;
let n = 0;
const name = () => `${P}${++n}`;

beforeAll(async () => {
  stack = await startStack({ relay: false });
});
afterAll(async () => {
  await stack.stop();
  await adminQuery(`DELETE FROM idempotency_keys WHERE result->'account'->>'name' LIKE '${P}%'`, [], 'account');
  await adminQuery(
    `DELETE FROM outbox WHERE account_id IN (SELECT id FROM accounts WHERE name LIKE '${P}%')`,
    [],
    'account',
  );
  await adminQuery(`DELETE FROM accounts WHERE name LIKE '${P}%'`, [], 'account');
});

const CREATE = 'mutation Create($name: String!) { createAccount(name: $name) { id name createdAt } }';
const RENAME = 'mutation Rename($id: ID!, $name: String!) { renameAccount(id: $id, name: $name) { id name } }';

// Generous: the concurrency tests queue hundreds of writes on a 5-connection pool.
const graphql = (query: string, variables: Record<string, unknown>, key?: string) =>
  postJson(stack.gateway.url, { query, variables }, key === undefined ? {} : { 'idempotency-key': key }, 60_000);
const rest = (method: 'POST' | 'PUT', body: unknown, key?: string) =>
  request(`http://127.0.0.1:${stack.gateway.port}/accounts`, {
    method,
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
const countNamed = async (accountName: string) =>
  Number(
    (
      await adminQuery<{ n: string }>(
        'SELECT count(*)::text AS n FROM accounts WHERE name = $1',
        [accountName],
        'account',
      )
    )[0]!.n,
  );
const code = (r: Reply) => r.json?.errors?.[0]?.extensions?.code;

describe('GraphQL mutations with an Idempotency-Key', () => {
  test('the same key twice in a row: one account, the same answer, the repeat marked replayed', async () => {
    const key = randomUUID();
    const accountName = name();
    const first = await graphql(CREATE, { name: accountName }, key);
    const again = await graphql(CREATE, { name: accountName }, key);
    expect(first.json.errors).toBeUndefined();
    expect(again.json).toEqual(first.json);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await countNamed(accountName)).toBe(1);
  });

  test('the same key 10 times at once: one account, 10 identical answers', async () => {
    const key = randomUUID();
    const accountName = name();
    const replies = await Promise.all(Array.from({ length: 10 }, () => graphql(CREATE, { name: accountName }, key)));
    expect(replies.map((r) => r.json.errors)).toEqual(replies.map(() => undefined));
    expect(new Set(replies.map((r) => JSON.stringify(r.json))).size).toBe(1);
    expect(await countNamed(accountName)).toBe(1);
  });

  test('the same key with another request: IDEMPOTENCY_KEY_REUSED, nothing written', async () => {
    const key = randomUUID();
    const [a, b] = [name(), name()];
    await graphql(CREATE, { name: a }, key);
    const other = await graphql(CREATE, { name: b }, key);
    expect(code(other)).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    expect(other.json.errors[0].message).toMatch(
      /already used for a different request \(createAccount with other arguments\)/,
    );
    expect(await countNamed(b)).toBe(0);
    const [account] = await adminQuery<{ id: string }>('SELECT id FROM accounts WHERE name = $1', [a], 'account');
    // Another operation under the same key is a different request too.
    const rename = await graphql(RENAME, { id: account!.id, name: name() }, key);
    expect(code(rename)).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    expect(rename.json.errors[0].message).toContain('(createAccount)');
  });

  test('a key on a document with two mutation fields is refused with a message; nothing is written', async () => {
    const [a, b] = [name(), name()];
    const reply = await graphql(
      `mutation { a: createAccount(name: "${a}") { id } b: createAccount(name: "${b}") { id } }`,
      {},
      randomUUID(),
    );
    expect(reply.status).toBe(400);
    expect(code(reply)).toBe(ErrorCode.BAD_USER_INPUT);
    expect(reply.json.errors[0].message).toMatch(
      /an Idempotency-Key covers exactly one mutation field; this operation has 2 \(createAccount, createAccount\)/,
    );
    expect((await countNamed(a)) + (await countNamed(b))).toBe(0);
  });

  test.each([
    ['with a space', 'two words'],
    ['too long', 'k'.repeat(256)],
    ['non-ASCII', 'clé'],
  ])('a malformed key (%s) is refused with 400, nothing written', async (_, key) => {
    const accountName = name();
    const reply = await graphql(CREATE, { name: accountName }, key);
    expect(reply.status).toBe(400);
    expect(code(reply)).toBe(ErrorCode.BAD_USER_INPUT);
    expect(reply.json.errors[0].message).toContain(
      'Idempotency-Key header must be one value of 1 to 255 printable ASCII characters',
    );
    expect(await countNamed(accountName)).toBe(0);
  });

  test('without a key, writes behave as before: two sends, two accounts', async () => {
    const accountName = name();
    await graphql(CREATE, { name: accountName });
    await graphql(CREATE, { name: accountName });
    expect(await countNamed(accountName)).toBe(2);
  });

  test('a key on a query is ignored', async () => {
    const reply = await graphql('query { accounts(first: 1) { edges { node { id } } } }', {}, 'not a valid key');
    expect(reply.json.errors).toBeUndefined();
  });

  test('setAccountImage (the image context) takes keys too', async () => {
    const key = randomUUID();
    const SET = 'mutation Set($id: ID!, $url: String!) { setAccountImage(accountId: $id, url: $url) { id url } }';
    const accountId = `${P}img`;
    const first = await graphql(SET, { id: accountId, url: 'https://example.test/a.png' }, key);
    const again = await graphql(SET, { id: accountId, url: 'https://example.test/a.png' }, key);
    const other = await graphql(SET, { id: accountId, url: 'https://example.test/b.png' }, key);
    expect(again.json).toEqual(first.json);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(code(other)).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    const [image] = await adminQuery<{ url: string }>(
      'SELECT url FROM account_images WHERE account_id = $1',
      [accountId],
      'image',
    );
    expect(image?.url).toBe('https://example.test/a.png');
    await adminQuery('DELETE FROM account_images WHERE account_id = $1', [accountId], 'image');
    await adminQuery('DELETE FROM idempotency_keys WHERE key = $1', [key], 'image');
  });

  test('a key is scoped to the context that owns the mutation: createAccount then setAccountImage with one key both run', async () => {
    const key = randomUUID();
    const SET = 'mutation Set($id: ID!, $url: String!) { setAccountImage(accountId: $id, url: $url) { id url } }';
    const created = await graphql(CREATE, { name: name() }, key);
    const id: string = created.json.data.createAccount.id;
    const image = await graphql(SET, { id, url: 'https://example.test/scoped.png' }, key);
    // The image context never saw the key: a first request there, not a replay of createAccount.
    expect(image.json).toEqual({ data: { setAccountImage: { id, url: 'https://example.test/scoped.png' } } });
    expect(image.headers['idempotent-replayed']).toBeUndefined();
    // Within each context the key stays bound to its first request.
    expect(code(await graphql(RENAME, { id, name: name() }, key))).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    const again = await graphql(SET, { id, url: 'https://example.test/scoped.png' }, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    for (const context of ['account', 'image'] as const) {
      const [stored] = await adminQuery<{ operation: string }>(
        'SELECT operation FROM idempotency_keys WHERE key = $1',
        [key],
        context,
      );
      expect(stored?.operation).toBe(context === 'account' ? 'createAccount' : 'setAccountImage');
      await adminQuery('DELETE FROM idempotency_keys WHERE key = $1', [key], context);
    }
    await adminQuery('DELETE FROM account_images WHERE account_id = $1', [id], 'image');
  });
});

describe('REST writes with an Idempotency-Key', () => {
  test('POST /accounts twice with one key: 201 with the same ID twice, one account; another body → 422', async () => {
    const key = randomUUID();
    const accountName = name();
    const first = await rest('POST', { name: accountName }, key);
    const again = await rest('POST', { name: accountName }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await countNamed(accountName)).toBe(1);
    const other = await rest('POST', { name: name() }, key);
    expect(other.status).toBe(422);
    expect(other.headers['x-error-code']).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(other.text).toMatch(/already used for a different request/);
  });

  test('PUT /accounts twice with one key: one UPDATED event', async () => {
    const created = await rest('POST', { name: name() });
    const id = created.json.ID as string;
    const key = randomUUID();
    const renamed = name();
    const first = await rest('PUT', { ID: id, name: renamed }, key);
    const again = await rest('PUT', { ID: id, name: renamed }, key);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.json.name).toBe(renamed);
    const events = await adminQuery(
      'SELECT id FROM outbox WHERE account_id = $1 AND event_name = $2',
      [id, 'UPDATED'],
      'account',
    );
    expect(events).toHaveLength(1);
  });

  test('POST /accounts without a key (an old Go client) still creates each time', async () => {
    const accountName = name();
    expect((await rest('POST', { name: accountName })).status).toBe(201);
    expect((await rest('POST', { name: accountName })).status).toBe(201);
    expect(await countNamed(accountName)).toBe(2);
  });
});

describe('under concurrency', () => {
  test('200 concurrent creates with keys, each sent twice at once: 200 accounts, each pair the same answer', async () => {
    const batch = `${name()}-`;
    const requests = Array.from({ length: 200 }, (_, i) => ({ key: randomUUID(), name: `${batch}${i}` }));
    const replies = await Promise.all(
      requests.flatMap((r) => [graphql(CREATE, { name: r.name }, r.key), graphql(CREATE, { name: r.name }, r.key)]),
    );
    expect(replies.filter((r) => r.json.errors).map((r) => r.json.errors[0].message)).toEqual([]);
    for (let i = 0; i < 200; i++) expect(replies[2 * i + 1]!.json).toEqual(replies[2 * i]!.json);
    const [{ n: count }] = (await adminQuery<{ n: string }>(
      'SELECT count(*)::text AS n FROM accounts WHERE name LIKE $1',
      [`${batch}%`],
      'account',
    )) as [{ n: string }];
    expect(Number(count)).toBe(200);
  });

  test('50 concurrent renames of one account through the gateway: 50 successes, 50 UPDATED events', async () => {
    const created = await graphql(CREATE, { name: name() });
    const id = created.json.data.createAccount.id as string;
    const replies = await Promise.all(Array.from({ length: 50 }, () => graphql(RENAME, { id, name: name() })));
    expect(replies.filter((r) => r.json.errors).map((r) => r.json.errors[0].extensions?.code)).toEqual([]);
    const events = await adminQuery<{ s: string }>(
      'SELECT seq::text AS s FROM outbox WHERE account_id = $1 ORDER BY seq',
      [id],
      'account',
    );
    expect(events.map((e) => Number(e.s))).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
  });
});

test('the pruner deletes expired keys and signature nonces and keeps the others', async () => {
  const [expired, live] = [`${P}expired`, `${P}live`];
  await withClient(testDatabaseUrls().account, async (c) => {
    await c.query(
      `INSERT INTO idempotency_keys (key, operation, fingerprint, result, expires_at) VALUES
         ($1, 'createAccount', 'f', '{}', now() - interval '1 minute'), ($2, 'createAccount', 'f', '{}', now() + interval '1 day')`,
      [expired, live],
    );
    await c.query(
      `INSERT INTO signature_nonces (nonce, request_id, expires_at) VALUES
         ($1, 'r', now() - interval '1 minute'), ($2, 'r', now() + interval '1 day')`,
      [expired, live],
    );
  });
  const db = connectDatabase(PrismaClient, testDatabaseUrls().account, 2);
  try {
    expect(
      await new ExpiryPruner(db.prisma, 60_000, ['idempotency keys', 'signature nonces']).prune(),
    ).toBeGreaterThanOrEqual(2);
  } finally {
    await db.close();
  }
  const left = await adminQuery<{ key: string }>(
    `SELECT key FROM idempotency_keys WHERE key = ANY($1)
     UNION ALL SELECT 'nonce:' || nonce FROM signature_nonces WHERE nonce = ANY($1)`,
    [[expired, live]],
    'account',
  );
  expect(left.map((r) => r.key).sort()).toEqual([live, `nonce:${live}`]);
  await adminQuery('DELETE FROM idempotency_keys WHERE key = $1', [live], 'account');
  await adminQuery('DELETE FROM signature_nonces WHERE nonce = $1', [live], 'account');
});
