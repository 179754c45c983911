/**
 * Security of the running stack with SUBGRAPH_SECRET set: the subgraphs answer only
 * requests signed with it (normal queries, `_service`, `_entities`, mutations: 401
 * otherwise, and nothing written), their health, readiness and metrics routes stay open;
 * through the gateway everything works because it signs, and so does the outbox relay.
 * Query limits and the production gateway are in security-gateway.e2e.ts; the secret's
 * configuration rules are checked here too.
 */
import { randomBytes } from 'node:crypto';
import { SIGNATURE_HEADER, sign } from '../platform/auth';
import { ConfigError, loadConfig, type ContextName } from '../platform/config';
import { countRows, removeCreated, seedAccounts, sql, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { postJson, request } from './harness/request';
import { startStack, type Stack } from './harness/stack';

const SECRET = randomBytes(32).toString('hex');
const WRONG = randomBytes(32).toString('hex');
const P = uniquePrefix('sec');
const EVENT_ID = `${P}forged-event`;

let stack: Stack;
let seeded: SeededAccount;
const created: string[] = [];

beforeAll(async () => {
  stack = await startStack({ secret: SECRET });
  [seeded] = (await seedAccounts(P, 1)) as [SeededAccount];
});
afterAll(async () => {
  await stack?.stop();
  await removeCreated(P, created);
});

/** The exact body sent, and a signature for it, made for the subgraph `audience`. */
const signedFor = (audience: ContextName, secret: string, body: string, path = '/graphql') => ({
  [SIGNATURE_HEADER]: sign(secret, audience, 'POST', path, body),
});

/** One GraphQL request per kind, for each subgraph: a query or mutation of its own, _service, _entities. */
function requests(name: ContextName): Record<string, string> {
  const own: Record<ContextName, string> = {
    account: JSON.stringify({
      query: 'query($id: ID!) { account(id: $id) { id name } }',
      variables: { id: `${P}0000` },
    }),
    data: JSON.stringify({
      query: 'mutation($input: RecordAccountEventInput!) { recordAccountEvent(input: $input) { id } }',
      variables: { input: { id: EVENT_ID, accountId: `${P}0000`, eventName: 'FORGED' } },
    }),
    image: JSON.stringify({
      query: 'mutation { setAccountImage(accountId: "' + P + '0000", url: "https://evil.example.com/x.png") { url } }',
    }),
  };
  return {
    [name === 'account' ? 'a query' : 'a mutation']: own[name],
    _service: JSON.stringify({ query: '{ _service { sdl } }' }),
    _entities: JSON.stringify({
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }',
      variables: { r: [{ __typename: 'Account', id: `${P}0000` }] },
    }),
  };
}

/** What the unauthenticated requests could have written: nothing, checked in every database. */
async function forgedWrites() {
  return {
    event: await countRows('data', 'id = $1', [EVENT_ID]),
    image: await countRows('image', "account_id = $1 AND url LIKE 'https://evil.%'", [`${P}0000`]),
  };
}

describe.each(['account', 'data', 'image'] as const)('the %s subgraph called directly', (name) => {
  const url = () => stack.subgraphs[name].url;
  const kinds = Object.entries(requests(name));
  const signed = (secret: string, body: string, path?: string) => signedFor(name, secret, body, path);

  test.each(kinds)('%s without a signature → 401 UNAUTHENTICATED', async (_, body) => {
    const res = await postJson(url(), body);
    expect(res.status).toBe(401);
    expect(res.json.data).toBeUndefined();
    expect(res.json.errors).toEqual([
      {
        message: expect.stringMatching(/missing x-subgraph-signature header/),
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
  });

  test.each(kinds)('%s signed with the wrong secret → 401', async (_, body) => {
    const res = await postJson(url(), body, signed(WRONG, body));
    expect(res.status).toBe(401);
    expect(res.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.json.errors[0].message).toBe('request signature does not match');
  });

  test.each(kinds)('%s with a valid signature replayed with another body → 401', async (_, body) => {
    const parsed = JSON.parse(body) as { query: string };
    const other = JSON.stringify({ ...parsed, query: parsed.query.replace(/}\s*$/, ' __typename }') });
    expect(other).not.toBe(body);
    const res = await postJson(url(), other, signed(SECRET, body));
    expect(res.status).toBe(401);
    expect(res.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test('a signature for another path, a stale one, a malformed one → 401 each', async () => {
    const body = kinds[1]![1];
    const stale = { [SIGNATURE_HEADER]: sign(SECRET, name, 'POST', '/graphql', body, Date.now() - 10 * 60_000) };
    for (const headers of [signed(SECRET, body, '/other'), stale, { [SIGNATURE_HEADER]: 't=1,v1=zz' }]) {
      const res = await postJson(url(), body, headers);
      expect([res.status, res.json.errors[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  test('GET /graphql without a signature → 401 too', async () => {
    const res = await request(`${url()}?query=${encodeURIComponent('{ _service { sdl } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect([res.status, res.json.errors[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  test('nothing the refused requests asked for was written', async () => {
    expect(await forgedWrites()).toEqual({ event: 0, image: 0 });
  });

  test('_service with a valid signature → 200 and the SDL', async () => {
    const body = requests(name)._service!;
    const res = await postJson(url(), body, signed(SECRET, body));
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data._service.sdl).toMatch(/type Account\s+@key\(fields: "id"\)/);
  });

  test('_entities with a valid signature → 200 and the entity', async () => {
    const body = requests(name)._entities!;
    const res = await postJson(url(), body, signed(SECRET, body));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { _entities: [{ id: `${P}0000` }] } });
  });

  test.each(['/health', '/live', '/ready', '/metrics'])('GET %s stays open without a signature → 200', async (path) => {
    const res = await request(new URL(path, url()).toString());
    expect(res.status).toBe(200);
  });
});

test('the account subgraph answers a signed query', async () => {
  const body = requests('account')['a query']!;
  const res = await postJson(stack.subgraphs.account.url, body, signedFor('account', SECRET, body));
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ data: { account: { id: `${P}0000`, name: `${P}0000` } } });
});

describe('replayed and misdirected signatures', () => {
  const CREATE = (name: string) =>
    JSON.stringify({ query: 'mutation($name: String!) { createAccount(name: $name) { id } }', variables: { name } });

  test('a signed createAccount sent twice: the first creates the account, the replay → 401 and nothing written', async () => {
    const name = `${P}replayed`;
    const body = CREATE(name);
    const headers = signedFor('account', SECRET, body);
    const first = await postJson(stack.subgraphs.account.url, body, headers);
    expect(first.status).toBe(200);
    created.push(first.json.data.createAccount.id);
    const replay = await postJson(stack.subgraphs.account.url, body, headers);
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual({
      errors: [
        {
          message: 'request signature already used: a replayed request is refused',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    expect(await countRows('account', 'name = $1', [name])).toBe(1);
  });

  test('the same replay over a kept-alive connection, and many times over, is refused each time', async () => {
    const body = requests('data')._service!;
    const headers = signedFor('data', SECRET, body);
    expect((await postJson(stack.subgraphs.data.url, body, headers)).status).toBe(200);
    const replays = await Promise.all(
      Array.from({ length: 5 }, () => postJson(stack.subgraphs.data.url, body, headers)),
    );
    expect(replays.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
  });

  test.each([
    ['account', 'data'],
    ['account', 'image'],
    ['data', 'account'],
  ] as const)(
    'a signature made for the %s subgraph, sent to the %s subgraph → 401 and nothing written',
    async (made, sentTo) => {
      const name = `${P}misdirected-${sentTo}`;
      const body = CREATE(name);
      const res = await postJson(stack.subgraphs[sentTo].url, body, signedFor(made, SECRET, body));
      expect(res.status).toBe(401);
      expect(res.json.errors[0]).toEqual({
        message: 'request signature does not match',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(await countRows('account', 'name = $1', [name])).toBe(0);
    },
  );
});

describe('through the gateway (which signs)', () => {
  test('the aggregated view of an account, across the three contexts', async () => {
    const res = await stack.query(
      `query($id: ID!) { account(id: $id) {
        id name servedBy quote { text language } imageData { url servedBy } events { id eventName } eventCount } }`,
      { id: seeded.account.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.account).toEqual({
      id: seeded.account.id,
      name: seeded.account.name,
      servedBy: stack.subgraphs.account.servedBy,
      quote: { text: expect.any(String), language: 'en' },
      imageData: { url: seeded.image.url, servedBy: stack.subgraphs.image.servedBy },
      events: seeded.events.map((e) => ({ id: e.id, eventName: e.eventName })),
      eventCount: 2,
    });
  });

  test('createAccount, then its CREATED event arrives (the relay signs its deliveries)', async () => {
    const res = await stack.query<any>('mutation($name: String!) { createAccount(name: $name) { id } }', {
      name: `${P}new`,
    });
    expect(res.errors).toBeUndefined();
    const id: string = res.data.createAccount.id;
    created.push(id);
    let account: any;
    // events and eventCount are two statements: right as the event lands one may see it and
    // the other not yet, so wait for both.
    for (let i = 0; i < 150 && !(account?.eventCount === 1 && account?.events?.length === 1); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      account = (
        await stack.query<any>('query($id: ID!) { account(id: $id) { eventCount events { eventName } } }', { id })
      ).data?.account;
    }
    expect(account).toEqual({ eventCount: 1, events: [{ eventName: 'CREATED' }] });
    const outbox = await sql<{ delivered: boolean }>(
      'account',
      'SELECT delivered_at IS NOT NULL AS delivered FROM outbox WHERE account_id = $1',
      [id],
    );
    expect(outbox).toEqual([{ delivered: true }]);
  });

  test('a request to the gateway with a forged signature header is simply served (the header means nothing there)', async () => {
    const res = await postJson(stack.gateway.url, { query: '{ __typename }' }, { [SIGNATURE_HEADER]: 't=1,v1=00' });
    expect([res.status, res.json]).toEqual([200, { data: { __typename: 'Query' } }]);
  });
});

describe('configuration of the secret', () => {
  const base = { NODE_ENV: 'production' };

  test('NODE_ENV=production without SUBGRAPH_SECRET → ConfigError naming SUBGRAPH_SECRET', () => {
    expect(() => loadConfig(base)).toThrow(ConfigError);
    expect(() => loadConfig(base)).toThrow(/SUBGRAPH_SECRET: is required in production/);
    expect(() => loadConfig({ ...base, SUBGRAPH_SECRET: '' })).toThrow(/SUBGRAPH_SECRET/);
  });

  test.each(['production', 'development', 'test'])(
    'a secret shorter than 32 characters is refused (NODE_ENV=%s)',
    (env) => {
      const load = () => loadConfig({ NODE_ENV: env, SUBGRAPH_SECRET: 'x'.repeat(31) });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/SUBGRAPH_SECRET: must be at least 32 characters/);
    },
  );

  test('32 characters are enough; production then has it, and development may go without', () => {
    expect(loadConfig({ ...base, SUBGRAPH_SECRET: 'x'.repeat(32) }).subgraphSecret).toBe('x'.repeat(32));
    expect(loadConfig({ NODE_ENV: 'development' }).subgraphSecret).toBeUndefined();
  });
});
