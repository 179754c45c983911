/**
 * Cross-context writes through the whole graph: an account created or renamed in the
 * account context shows its CREATED / UPDATED event in the data context shortly after,
 * delivered by the outbox relay, with the outbox row's id as the event's id.
 */
import { withClient, testDatabaseUrls } from './harness/db';
import { startStack, type Stack } from './harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const VIEW = 'query($id: ID!) { account(id: $id) { name events { id eventName created } eventCount } }';

/** Polls the aggregated view until `done` holds (the event is delivered asynchronously). */
async function eventually(id: string, done: (account: any) => boolean): Promise<any> {
  let account: any;
  for (let i = 0; i < 100; i++) {
    account = (await stack.query(VIEW, { id })).data?.account;
    if (account && done(account)) return account;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not reached; last view: ${JSON.stringify(account)}`);
}

test('createAccount and renameAccount reach the data context as CREATED and UPDATED events', async () => {
  const created = await stack.query<any>('mutation { createAccount(name: "Cross Context") { id createdAt } }');
  const { id, createdAt } = created.data.createAccount;
  // Both fields: they come from one statement (subgraphs/data/loaders.ts), so they agree in every answer.
  const afterCreate = await eventually(id, (a) => a.events?.length === 1);
  expect(afterCreate.eventCount).toBe(1);
  expect(afterCreate.events).toEqual([{ id: expect.any(String), eventName: 'CREATED', created: createdAt }]);

  await stack.query('mutation($id: ID!) { renameAccount(id: $id, name: "Renamed Cross Context") { id } }', { id });
  const afterRename = await eventually(id, (a) => a.events?.length === 2);
  expect(afterRename.eventCount).toBe(2);
  expect(afterRename).toMatchObject({
    name: 'Renamed Cross Context',
    events: [{ eventName: 'CREATED' }, { eventName: 'UPDATED' }],
  });

  // The event ids are the outbox row ids, in order, and every outbox row is delivered.
  const outbox = await withClient(
    testDatabaseUrls().account,
    async (c) =>
      (await c.query('SELECT id, event_name, delivered_at FROM outbox WHERE account_id = $1 ORDER BY seq', [id])).rows,
  );
  expect(outbox.map((r) => [r.id, r.event_name])).toEqual(afterRename.events.map((e: any) => [e.id, e.eventName]));
  expect(outbox.every((r) => r.delivered_at !== null)).toBe(true);
});

test('a failed write records no event: an unknown account is not renamed and nothing is queued', async () => {
  const before = await withClient(
    testDatabaseUrls().account,
    async (c) => (await c.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n,
  );
  const res = await stack.query('mutation { renameAccount(id: "no-such-account", name: "x") { id } }');
  expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const after = await withClient(
    testDatabaseUrls().account,
    async (c) => (await c.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n,
  );
  expect(after).toBe(before);
});
