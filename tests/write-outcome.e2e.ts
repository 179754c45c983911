/**
 * An honest answer when a write's outcome is unknown, with a real fault: the account subgraph
 * runs as its own process and is frozen (SIGSTOP) for 2.5 s while a create is on its way, so
 * the gateway's mutation deadline (1 s here) passes without an answer, and the process then
 * finishes the write when it is thawed. The client must be told OUTCOME_UNKNOWN (REST: 504
 * saying how to find out), never "nothing was created"; a retry with the same key returns the
 * committed account (one account with that name); and the timed-out write did not open the
 * circuit: the next read of the account subgraph is served.
 */
import { randomUUID } from 'node:crypto';
import { freePort } from '../prisma/tools/local/scratch';
import { loadConfig } from '../platform/config';
import { ErrorCode } from '../platform/errors';
import { testLogger } from './harness/log';
import { gatewayOptionsFrom, startGateway, type RunningGateway } from '../gateway/server';
import { dataSubgraph } from '../subgraphs/data';
import { imageSubgraph } from '../subgraphs/image';
import { startSubgraph, type RunningSubgraph } from '../subgraphs/kit/subgraph';
import { adminQuery, testDatabaseUrls } from './harness/db';
import { uniquePrefix } from './harness/fixtures';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';
import { postJson, request } from './harness/request';

jest.setTimeout(90_000);

const P = uniquePrefix('outcome');
const FREEZE_MS = 2_500;
let account: SubgraphProcess;
let others: RunningSubgraph[];
let gateway: RunningGateway;

beforeAll(async () => {
  const log = testLogger();
  const urls = testDatabaseUrls();
  const common = { host: '127.0.0.1', port: 0, instanceName: 'test', retry: { maxAttempts: 6 }, log };
  others = await Promise.all([
    startSubgraph(dataSubgraph(urls.data, 3), common),
    startSubgraph(imageSubgraph(urls.image, 3), common),
  ]);
  account = spawnSubgraph('account', await freePort(), { OUTBOX_RELAY: 'false' });
  await waitReady(account);
  const config = loadConfig({
    ...process.env,
    SUBGRAPH_TIMEOUT_MS: '1000',
    SUBGRAPH_MUTATION_TIMEOUT_MS: '1000',
    SUBGRAPH_BREAKER_THRESHOLD: '1',
  });
  gateway = await startGateway({
    ...gatewayOptionsFrom(config, log),
    host: '127.0.0.1',
    port: 0,
    subgraphUrls: { account: account.graphqlUrl, data: others[0]!.url, image: others[1]!.url },
    composeAtStart: true,
  });
});

afterAll(async () => {
  account?.child.kill('SIGCONT');
  await gateway?.stop();
  await account?.kill('SIGTERM');
  await Promise.all((others ?? []).map((s) => s.stop()));
  await adminQuery(`DELETE FROM idempotency_keys WHERE result->'account'->>'name' LIKE '${P}%'`, [], 'account');
  await adminQuery(
    `DELETE FROM outbox WHERE account_id IN (SELECT id FROM accounts WHERE name LIKE '${P}%')`,
    [],
    'account',
  );
  await adminQuery(`DELETE FROM accounts WHERE name LIKE '${P}%'`, [], 'account');
});

const CREATE = 'mutation Create($name: String!) { createAccount(name: $name) { id name } }';
const countNamed = async (name: string) =>
  Number(
    (await adminQuery<{ n: string }>('SELECT count(*)::text AS n FROM accounts WHERE name = $1', [name], 'account'))[0]!
      .n,
  );

/**
 * Freezes the account process, sends `send()` (the kernel still accepts the connection and the
 * request: it is delivered, and waits to be read), and thaws the process FREEZE_MS later, when
 * it reads the request and commits the write. Freezing first makes the race deterministic: on an
 * idle machine a create sent before the freeze is already answered 30 ms later.
 */
async function whileFrozen<T>(send: () => Promise<T>): Promise<T> {
  account.child.kill('SIGSTOP');
  const reply = send();
  const thaw = new Promise<void>((r) =>
    setTimeout(() => {
      account.child.kill('SIGCONT');
      r();
    }, FREEZE_MS),
  );
  const result = await reply;
  await thaw;
  return result;
}

/** Polls until `name` has been written (the thawed process finishes the write). */
async function eventuallyCount(name: string, want: number): Promise<number> {
  for (let i = 0; i < 100 && (await countNamed(name)) < want; i++) await new Promise((r) => setTimeout(r, 100));
  return countNamed(name);
}

test('GraphQL: a create the gateway could not confirm is OUTCOME_UNKNOWN; the same key then returns the committed account', async () => {
  const name = `${P}gql`;
  const key = randomUUID();
  const timedOut = await whileFrozen(() =>
    postJson(gateway.url, { query: CREATE, variables: { name } }, { 'idempotency-key': key }),
  );
  const error = timedOut.json.errors?.[0];
  expect(error?.extensions).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, serviceName: 'account' });
  expect(error?.message).toMatch(/may or may not have been applied: retry with the same Idempotency-Key/);
  expect(error?.message).not.toMatch(/nothing was (written|created)/);

  // It had in fact been applied: the thawed process finished it.
  expect(await eventuallyCount(name, 1)).toBe(1);
  const retry = await postJson(gateway.url, { query: CREATE, variables: { name } }, { 'idempotency-key': key });
  expect(retry.json.errors).toBeUndefined();
  expect(retry.json.data.createAccount.name).toBe(name);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(await countNamed(name)).toBe(1);

  // The timed-out write did not open the account subgraph's circuit (threshold 1 here): reads are served.
  const read = await postJson(gateway.url, {
    query: 'query($id: ID!) { account(id: $id) { id name } }',
    variables: { id: retry.json.data.createAccount.id },
  });
  expect(read.json.data.account).toEqual(retry.json.data.createAccount);
});

test('REST: POST /accounts that times out answers 504 saying it may have happened and how to find out', async () => {
  const name = `${P}rest`;
  const timedOut = await whileFrozen(() =>
    request(`http://127.0.0.1:${gateway.port}/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    }),
  );
  expect(timedOut.status).toBe(504);
  expect(timedOut.headers['x-error-code']).toBe('OUTCOME_UNKNOWN');
  expect(timedOut.text).toMatch(
    /may or may not have been applied\. Retry with the same Idempotency-Key header, or check with GET \/accountsbyname\//,
  );
  expect(timedOut.text).not.toMatch(/nothing was created/);
  expect(await eventuallyCount(name, 1)).toBe(1);
});
