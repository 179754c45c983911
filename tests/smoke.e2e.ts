import { startStack, type Stack } from './harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

test('creates an account and reads it back through the gateway', async () => {
  const created = await stack.query<{ createAccount: { id: string; name: string } }>(
    'mutation($n: String!) { createAccount(name: $n) { id name } }',
    { n: 'Smoke Test' },
  );
  expect(created.errors).toBeUndefined();
  const id = created.data!.createAccount.id;
  const read = await stack.query('query($id: ID!) { account(id: $id) { id name servedBy eventCount events { eventName } imageData { url } quote { text language } } }', { id });
  expect(read.errors).toBeUndefined();
  expect(read.data!.account).toMatchObject({ id, name: 'Smoke Test', eventCount: 0, events: [], imageData: null, quote: { language: 'en' } });
});
