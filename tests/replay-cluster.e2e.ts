/**
 * A signed write is accepted once per cluster (subgraphs/kit/signature-nonces.ts): the same
 * signed mutation, captured and sent to a second process of the same subgraph over the same
 * database, is refused with 401 and writes nothing; a replay to the first process is still
 * refused by its own guard. Two real processes per context (createAccount on account,
 * recordAccountEvent on data, setAccountImage on image), as the deployment runs them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, sign } from '../platform/auth';
import type { ContextName } from '../platform/config';
import { freePort } from '../prisma/tools/local/scratch';
import { REPLAYED_WRITE } from '../subgraphs/kit/signature-nonces';
import { countRows, removeCreated, sql, uniquePrefix } from './harness/fixtures';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';
import { postJson } from './harness/request';

jest.setTimeout(90_000);

const SECRET = randomBytes(32).toString('hex');
const P = uniquePrefix('replay');
const created: string[] = [];
let replicas: SubgraphProcess[] = [];

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
  replicas = [];
});
afterAll(async () => {
  await removeCreated(P, created);
  await sql('image', 'DELETE FROM account_images WHERE left(account_id, length($1)) = $1', [P]);
});

async function twoReplicas(context: ContextName): Promise<[SubgraphProcess, SubgraphProcess]> {
  const env = { SUBGRAPH_SECRET: SECRET, OUTBOX_RELAY: 'false', LOG_LEVEL: 'warn' };
  replicas = [spawnSubgraph(context, await freePort(), env), spawnSubgraph(context, await freePort(), env)];
  await Promise.all(replicas.map((r) => waitReady(r)));
  return replicas as [SubgraphProcess, SubgraphProcess];
}

const WRITES: Record<ContextName, { query: string; variables: (id: string) => Record<string, unknown> }> = {
  account: {
    query: 'mutation($name: String!) { createAccount(name: $name) { id } }',
    variables: (id) => ({ name: id }),
  },
  data: {
    query: 'mutation($input: RecordAccountEventInput!) { recordAccountEvent(input: $input) { id } }',
    variables: (id) => ({ input: { id: randomUUID(), accountId: id, eventName: 'REPLAY_TEST' } }),
  },
  image: {
    query: 'mutation($id: ID!, $url: String!) { setAccountImage(accountId: $id, url: $url) { url } }',
    variables: (id) => ({ id, url: 'https://example.com/replayed.png' }),
  },
};

/** The rows one write of `WRITES[context]` made for `id`. */
const rowsOf = (context: ContextName, id: string) =>
  countRows(context, context === 'account' ? 'name = $1' : 'account_id = $1', [id]);

describe.each(['account', 'data', 'image'] as const)('%s: a signed write replayed to the other replica', (context) => {
  test('first 200, the replay to the other process 401 with nothing written, to the same process 401 too', async () => {
    const [a, b] = await twoReplicas(context);
    const id = `${P}${context}`;
    const body = JSON.stringify({ query: WRITES[context].query, variables: WRITES[context].variables(id) });
    const headers = { [SIGNATURE_HEADER]: sign(SECRET, context, 'POST', '/graphql', body) };

    const first = await postJson(a.graphqlUrl, body, headers);
    expect([first.status, first.json.errors]).toEqual([200, undefined]);
    if (context === 'account') created.push(first.json.data.createAccount.id);
    const nonces = await sql<{ n: string }>(context, 'SELECT count(*)::text AS n FROM signature_nonces');

    const replay = await postJson(b.graphqlUrl, body, headers);
    expect(replay.status).toBe(401);
    expect(replay.json.data).toBeNull();
    expect(replay.json.errors.map((e: any) => [e.message, e.extensions.code])).toEqual([
      [REPLAYED_WRITE, 'UNAUTHENTICATED'],
    ]);
    expect(await rowsOf(context, id)).toBe(1);
    // The refused write rolled back whole: no nonce of its own either.
    expect(await sql<{ n: string }>(context, 'SELECT count(*)::text AS n FROM signature_nonces')).toEqual(nonces);

    const again = await postJson(a.graphqlUrl, body, headers);
    expect(again.status).toBe(401);
    expect(await rowsOf(context, id)).toBe(1);

    // A fresh signature of the same request is a new request: accepted (the write decides what it does).
    const fresh = await postJson(b.graphqlUrl, body, {
      [SIGNATURE_HEADER]: sign(SECRET, context, 'POST', '/graphql', body),
    });
    expect(fresh.status).toBe(200);
    if (context === 'account') created.push(fresh.json.data.createAccount.id);
  });
});

test('two mutation fields in one signed request both write (the request holds its own nonce)', async () => {
  const [a] = await twoReplicas('account');
  const body = JSON.stringify({
    query: 'mutation($x: String!, $y: String!) { x: createAccount(name: $x) { id } y: createAccount(name: $y) { id } }',
    variables: { x: `${P}two-x`, y: `${P}two-y` },
  });
  const res = await postJson(a.graphqlUrl, body, {
    [SIGNATURE_HEADER]: sign(SECRET, 'account', 'POST', '/graphql', body),
  });
  expect([res.status, res.json.errors]).toEqual([200, undefined]);
  created.push(res.json.data.x.id, res.json.data.y.id);
  expect(await countRows('account', 'name = ANY($1)', [[`${P}two-x`, `${P}two-y`]])).toBe(2);
});
