/**
 * The gateway's lean path (gateway/lean-route.ts) answers exactly as Apollo Server's pipeline
 * does. Two gateways over the same subgraphs, one with GATEWAY_LEAN_PATH=false; each request is
 * sent twice to each (the lean gateway's second answer may come from its lean path), and all
 * four answers must be equal: status, headers (but Date) and body, byte for byte. The cases
 * cover data, a page, nulls, variables that do not coerce, an operation picked by name, an
 * `accept` the lean path leaves to Apollo, the development query-plan header, and a subgraph
 * that is down (errors: formatted by Apollo Server from the lean path's outcome, not executed
 * twice). `gateway_lean_answers_total` says which answers the lean path gave; identical queries
 * at once share executions on the lean path too, and a rename is read at once through it. The
 * REST shim runs its operations on the lean path as well, with the same answers.
 */
import type { RunningGateway } from '../gateway/server';
import { metricSample } from './harness/metrics';
import { removeFixtures, seedAccounts, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { startStack, type Stack } from './harness/stack';

const P = uniquePrefix('lean');
const VIEW =
  'query View($id: ID!) { account(id: $id) { id name events { eventName } imageData { url } quote { text } } }';
const PAGE = 'query Page($after: String) { accounts(first: 5, after: $after) { edges { cursor node { id name } } } }';
const TWO = 'query A { accounts(first: 1) { edges { node { id } } } } query B($id: ID!) { account(id: $id) { name } }';

let stack: Stack;
let lean: RunningGateway;
let apolloOnly: RunningGateway;
let seeded: SeededAccount[];

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

async function send(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const kept = [...res.headers].filter(([name]) => name !== 'date');
  return { status: res.status, headers: kept, body: await res.text() };
}

const counter = (gateway: RunningGateway, series: string) => metricSample(gateway.url, series);
const leanAnswers = (gateway: RunningGateway) => counter(gateway, 'gateway_lean_answers_total');

/** Sends the request twice to each gateway; every answer must be the first one; returns it and how many the lean path gave. */
async function sameEverywhere(
  body: unknown,
  headers?: Record<string, string>,
): Promise<{ answer: Answer; lean: number }> {
  const before = await leanAnswers(lean);
  const answers: Answer[] = [];
  for (const gateway of [apolloOnly, lean, apolloOnly, lean]) answers.push(await send(gateway.url, body, headers));
  for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
  return { answer: answers[0]!, lean: (await leanAnswers(lean)) - before };
}

beforeAll(async () => {
  seeded = await seedAccounts(P, 8);
  stack = await startStack({ relay: false });
  lean = stack.gateway;
  apolloOnly = await stack.anotherGateway({ GATEWAY_LEAN_PATH: 'false' });
}, 60_000);

afterAll(async () => {
  await apolloOnly?.stop();
  await stack?.stop();
  await removeFixtures(P);
});

describe('the lean path answers as Apollo Server does', () => {
  test('an account view: data from three subgraphs; the second answer is the lean path’s', async () => {
    const { answer, lean: answered } = await sameEverywhere({ query: VIEW, variables: { id: seeded[0]!.account.id } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data.account.name).toBe(seeded[0]!.account.name);
    expect(answered).toBe(1);
    // Other variables, same document: known, so the lean path from the first request on.
    const next = await sameEverywhere({ query: VIEW, variables: { id: seeded[1]!.account.id } });
    expect(next.lean).toBe(2);
  });

  test('a page with a cursor, a null, an operation picked by name', async () => {
    const first = await sameEverywhere({ query: PAGE, operationName: 'Page' });
    const cursor = JSON.parse(first.answer.body).data.accounts.edges[2].cursor as string;
    expect((await sameEverywhere({ query: PAGE, operationName: 'Page', variables: { after: cursor } })).lean).toBe(2);
    const missing = await sameEverywhere({ query: VIEW, variables: { id: `${P}missing` } });
    expect(JSON.parse(missing.answer.body)).toEqual({ data: { account: null } });
    expect(missing.lean).toBe(2);
    const named = await sameEverywhere({ query: TWO, operationName: 'B', variables: { id: seeded[2]!.account.id } });
    expect(JSON.parse(named.answer.body).data.account.name).toBe(seeded[2]!.account.name);
    expect(named.lean).toBe(1);
  });

  test('variables that do not coerce: Apollo Server words the error, from the lean path’s outcome', async () => {
    await sameEverywhere({ query: VIEW, variables: { id: seeded[0]!.account.id } });
    for (const variables of [{}, { id: { not: 'an id' } }, { id: null }]) {
      const { answer, lean: answered } = await sameEverywhere({ query: VIEW, variables });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(answered).toBe(0);
    }
  });

  test('what the lean path leaves to Apollo Server answers the same', async () => {
    const body = { query: VIEW, variables: { id: seeded[3]!.account.id } };
    await sameEverywhere(body);
    const typed = await sameEverywhere(body, { accept: 'application/graphql-response+json' });
    expect(typed.answer.headers).toContainEqual(['content-type', 'application/graphql-response+json; charset=utf-8']);
    expect(typed.lean).toBe(0);
    const plan = await sameEverywhere(body, { 'apollo-query-plan-experimental': '1' });
    expect(JSON.parse(plan.answer.body).extensions.__queryPlanExperimental).toContain('Fetch(service: "data")');
    expect(plan.lean).toBe(0);
  });
});

describe('on the lean path', () => {
  test('identical queries at once share executions; every answer is the same', async () => {
    const body = { query: VIEW, variables: { id: seeded[4]!.account.id } };
    await send(lean.url, body); // known from here on
    const [coalesced, answered] = [await counter(lean, 'gateway_queries_coalesced_total'), await leanAnswers(lean)];
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(lean.url, body)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect((await leanAnswers(lean)) - answered).toBe(20);
    expect((await counter(lean, 'gateway_queries_coalesced_total')) - coalesced).toBeGreaterThan(0);
  });

  test('a rename is read at once, through the lean path, under identical concurrent reads', async () => {
    const id = seeded[5]!.account.id;
    const rename = 'mutation R($id: ID!, $name: String!) { renameAccount(id: $id, name: $name) { id name } }';
    const body = { query: 'query N($id: ID!) { account(id: $id) { name } }', variables: { id } };
    await send(lean.url, body);
    const before = await leanAnswers(lean);
    for (let i = 0; i < 20; i++) {
      const noise = Promise.all(Array.from({ length: 3 }, () => send(lean.url, body)));
      const renamed = await send(lean.url, { query: rename, variables: { id, name: `${P}name-${i}` } });
      expect(renamed.status).toBe(200);
      const read = await send(lean.url, body);
      expect(JSON.parse(read.body).data.account.name).toBe(`${P}name-${i}`);
      await noise;
    }
    expect((await leanAnswers(lean)) - before).toBeGreaterThanOrEqual(20);
  });

  test('the REST shim: its second GET of an account on the lean path, the same answer as Apollo Server’s', async () => {
    const get = async (gateway: RunningGateway, id: string): Promise<Answer> => {
      const res = await fetch(new URL(`/accounts/${id}`, gateway.url));
      return { status: res.status, headers: [...res.headers].filter(([n]) => n !== 'date'), body: await res.text() };
    };
    for (const id of [seeded[7]!.account.id, `${P}nobody`]) {
      const before = await leanAnswers(lean);
      const answers = [await get(apolloOnly, id), await get(lean, id), await get(apolloOnly, id), await get(lean, id)];
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
      // The REST document is known after the first GET (of this test or of an earlier one).
      expect((await leanAnswers(lean)) - before).toBeGreaterThanOrEqual(1);
    }
  });

  test('a subgraph that is down: the errors Apollo Server gives, the subgraph asked once per request', async () => {
    const body = { query: VIEW, variables: { id: seeded[6]!.account.id } };
    await sameEverywhere(body);
    await stack.stopSubgraph('data');
    const requests = () =>
      counter(lean, 'gateway_subgraph_request_duration_seconds_count{subgraph="data",outcome="error"}');
    const before = await requests();
    const { answer, lean: answered } = await sameEverywhere(body);
    const { errors } = JSON.parse(answer.body) as { errors: { extensions: { code: string } }[] };
    expect(errors.map((e) => e.extensions.code)).toContain('SUBGRAPH_UNAVAILABLE');
    expect(answered).toBe(0);
    // Two requests to the lean gateway, one data call each (its retries are inside the one call).
    expect((await requests()) - before).toBe(2);
    // The REST shim's answer with the data context down (a partial account), the same both ways.
    const id = seeded[6]!.account.id;
    const rest = await Promise.all(
      [apolloOnly, lean, lean].map(async (g) => {
        const res = await fetch(new URL(`/accounts/${id}`, g.url));
        return { status: res.status, partial: res.headers.get('x-partial-response'), body: await res.text() };
      }),
    );
    for (const answer of rest.slice(1)) expect(answer).toEqual(rest[0]);
    expect(rest[0]!.partial).toContain('accountEvents');
    expect((await requests()) - before).toBe(4);
  });
});
