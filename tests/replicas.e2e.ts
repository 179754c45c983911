/**
 * The shape that ships, on one machine (harness/replicated.ts): 2 gateways, 2 processes of each
 * subgraph over the same databases, signed requests. What must hold across replicas:
 * - read-your-writes across gateways: a rename acknowledged by gateway A is what gateway B
 *   answers right after, while other clients keep the identical query in flight on B (its
 *   coalescing and dedup busy sharing);
 * - a frozen data replica (SIGSTOP): views keep their events, served by the other replica;
 * - one replica of each subgraph SIGKILLed under reads and keyed writes: no read fails or
 *   outlasts its deadline, no write is lost or applied twice.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { CONTEXTS } from '../platform/config';
import type { RunningGateway } from '../gateway/server';
import { adminQuery } from './harness/db';
import { removeCreated, seedAccounts, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { counter, startReplicated, type Replicated } from './harness/replicated';
import { request, type Reply } from './harness/request';

jest.setTimeout(300_000);

const P = uniquePrefix('replicas');
const READ = 'query Read($id: ID!) { account(id: $id) { id name } }';
const VIEW = 'query View($id: ID!) { account(id: $id) { id name events { id eventName } imageData { url } } }';
const RENAME = 'mutation Rename($id: ID!, $name: String!) { renameAccount(id: $id, name: $name) { id name } }';
const CREATE = 'mutation Create($name: String!) { createAccount(name: $name) { id name } }';
/** A read's deadline: SUBGRAPH_ATTEMPTS (3) × SUBGRAPH_TIMEOUT_MS (1 s) plus backoffs and a margin. */
const READ_DEADLINE_MS = 6_000;

let topo: Replicated;
let seeded: SeededAccount[];
/** The accounts the views read (the first one is renamed, and gains events). */
let viewed: SeededAccount[];
/** Ids of the accounts the writes created (for the cleanup). */
const createdIds: string[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function gql(
  gateway: RunningGateway,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<Reply> {
  return request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    agent,
    timeoutMs,
  });
}

beforeAll(async () => {
  topo = await startReplicated({ replicas: 2 });
  seeded = await seedAccounts(P, 8);
  viewed = seeded.slice(1);
});

afterAll(async () => {
  agent.destroy();
  await topo?.stop();
  await adminQuery(
    `DELETE FROM idempotency_keys WHERE left(result->'account'->>'name', length($1)) = $1`,
    [P],
    'account',
  );
  await removeCreated(P, createdIds);
});

test('300 renames through gateway A, each read at once through gateway B amid identical queries in flight: 0 stale reads', async () => {
  const [a, b] = [topo.gateways[0]!, topo.gateways[1]!];
  const id = seeded[0]!.account.id;
  let running = true;
  const noise = Array.from({ length: 4 }, async () => {
    while (running) await gql(b, READ, { id });
  });
  const stale: string[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const name = `${P}r${i}`;
      const renamed = await gql(a, RENAME, { id, name });
      expect(renamed.json?.data?.renameAccount?.name).toBe(name);
      const read = await gql(b, READ, { id });
      const got = read.json?.data?.account?.name as string | undefined;
      if (got !== name) stale.push(`after ${name}: ${got ?? JSON.stringify(read.json)}`);
    }
  } finally {
    running = false;
    await Promise.all(noise);
  }
  expect(stale).toEqual([]);
  // B was sharing work all along (else this proves nothing about sharing).
  const shared =
    (await counter(topo.gateways[1]!, 'gateway_queries_coalesced_total')) +
    (await counter(topo.gateways[1]!, 'gateway_subgraph_deduplicated_total'));
  expect(shared).toBeGreaterThan(0);
});

test('one data replica frozen (SIGSTOP): views through both gateways keep their events', async () => {
  const frozen = topo.subgraphs.data[0]!;
  frozen.child.kill('SIGSTOP');
  try {
    const views = await Promise.all(
      Array.from({ length: 4 }, async (_, client) => {
        const answers: Reply[] = [];
        for (let i = 0; i < 10; i++) {
          const s = viewed[(client + i) % viewed.length]!;
          answers.push(await gql(topo.gateways[i % 2]!, VIEW, { id: s.account.id }));
        }
        return answers;
      }),
    );
    const flat = views.flat();
    expect(flat.map((r) => r.json?.errors)).toEqual(flat.map(() => undefined));
    for (const r of flat) {
      expect(r.json.data.account.events.map((e: { eventName: string }) => e.eventName)).toEqual(['CREATED', 'UPDATED']);
    }
  } finally {
    frozen.child.kill('SIGCONT');
  }
});

interface Load {
  reads: number;
  failedReads: string[];
  /** Name → the acknowledged account id; undefined: never acknowledged. */
  writes: Map<string, string | undefined>;
}

/** One keyed create, retried with the same key (through either gateway) until acknowledged. */
async function createKeyed(name: string, load: Load, attempt = 0): Promise<void> {
  const key = randomUUID();
  load.writes.set(name, undefined);
  for (let i = attempt; i < attempt + 40; i++) {
    const reply = await gql(topo.gateways[i % 2]!, CREATE, { name }, { 'idempotency-key': key }).catch(() => undefined);
    const created = reply?.json?.data?.createAccount as { id: string } | undefined;
    if (created) {
      load.writes.set(name, created.id);
      createdIds.push(created.id);
      return;
    }
    // OUTCOME_UNKNOWN, SUBGRAPH_UNAVAILABLE or no answer: the same key again, a moment later.
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('one replica of each subgraph SIGKILLed under reads and keyed writes: 0 failed reads, 0 lost and 0 duplicated writes', async () => {
  const load: Load = { reads: 0, failedReads: [], writes: new Map() };
  let running = true;
  const readers = Array.from({ length: 4 }, async (_, r) => {
    for (let i = 0; running; i++) {
      const s = viewed[(r + i) % viewed.length]!;
      load.reads++;
      try {
        const reply = await gql(topo.gateways[i % 2]!, VIEW, { id: s.account.id }, {}, READ_DEADLINE_MS);
        if (reply.json?.errors || reply.json?.data?.account?.id !== s.account.id) {
          load.failedReads.push(JSON.stringify(reply.json?.errors ?? reply.json));
        }
      } catch (err) {
        load.failedReads.push((err as Error).message); // no answer within the deadline
      }
    }
  });
  const writers = Array.from({ length: 3 }, async (_, w) => {
    for (let i = 0; running; i++) await createKeyed(`${P}w${w}-${i}`, load, w);
  });
  await new Promise((r) => setTimeout(r, 2_000));
  await Promise.all(CONTEXTS.map((c) => topo.subgraphs[c][0]!.kill('SIGKILL')));
  await new Promise((r) => setTimeout(r, 8_000));
  running = false;
  await Promise.all([...readers, ...writers]);

  expect(load.failedReads).toEqual([]);
  expect(load.reads).toBeGreaterThan(50);
  const names = [...load.writes.keys()];
  expect(names.length).toBeGreaterThan(10);
  expect(names.filter((n) => load.writes.get(n) === undefined)).toEqual([]); // every write acknowledged
  const rows = await adminQuery<{ name: string; n: string }>(
    'SELECT name, count(*)::text AS n FROM accounts WHERE name = ANY($1) GROUP BY name',
    [names],
    'account',
  );
  const count = new Map(rows.map((r) => [r.name, Number(r.n)]));
  expect(names.filter((n) => count.get(n) !== 1)).toEqual([]); // none lost, none twice
});
