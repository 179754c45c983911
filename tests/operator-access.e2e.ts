/**
 * Operational routes are not public (platform/operator-access.ts): a production account
 * subgraph (NODE_ENV=production, a real process) answers GET /outbox 401 without an
 * operator's credentials, with no data in the body, and 200 with either accepted credential
 * (the subgraph secret's signature, OPERATOR_TOKEN as a Bearer token); /metrics, /live and
 * /ready stay open; `npm run outbox:status` reads the page with what its environment holds.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { SIGNATURE_HEADER, sign } from '../platform/auth';
import { freePort } from '../prisma/tools/local/scratch';
import { removeCreated, uniquePrefix } from './harness/fixtures';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';
import { postJson, request } from './harness/request';

jest.setTimeout(60_000);

const SECRET = randomBytes(32).toString('hex');
const TOKEN = randomBytes(32).toString('hex');
const P = uniquePrefix('operator');
const created: string[] = [];
let account: SubgraphProcess;
let accountId: string;
const outbox = () => `${account.baseUrl}/outbox`;

beforeAll(async () => {
  // The data subgraph is not running: the account's CREATED event stays pending in the outbox.
  account = spawnSubgraph('account', await freePort(), {
    NODE_ENV: 'production',
    SUBGRAPH_SECRET: SECRET,
    OPERATOR_TOKEN: TOKEN,
    DATA_SUBGRAPH_URL: `http://127.0.0.1:${await freePort()}/graphql`,
    LOG_LEVEL: 'error',
  });
  await waitReady(account);
  const body = JSON.stringify({
    query: 'mutation($n: String!) { createAccount(name: $n) { id } }',
    variables: { n: P },
  });
  const res = await postJson(account.graphqlUrl, body, {
    [SIGNATURE_HEADER]: sign(SECRET, 'account', 'POST', '/graphql', body),
  });
  accountId = res.json.data.createAccount.id;
  created.push(accountId);
});
afterAll(async () => {
  await account?.kill('SIGTERM');
  await removeCreated(P, created);
});

const signedGet = (secret: string, audience: string) => ({
  [SIGNATURE_HEADER]: sign(secret, audience, 'GET', '/outbox', ''),
});

describe('GET /outbox in production', () => {
  test.each([
    ['no credentials', {}],
    ['a wrong Bearer token', { authorization: `Bearer ${'x'.repeat(64)}` }],
    ['the token without "Bearer"', { authorization: TOKEN }],
    ['a signature with another secret', signedGet(randomBytes(32).toString('hex'), 'account')],
    ['a signature for another subgraph', signedGet(SECRET, 'data')],
    ['a signature of another path', { [SIGNATURE_HEADER]: sign(SECRET, 'account', 'GET', '/metrics', '') }],
  ])('%s → 401, no data in the body', async (_, headers) => {
    const res = await request(outbox(), { headers });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('UNAUTHENTICATED');
    expect(res.json.error.message).toMatch(/operators/);
    expect(Object.keys(res.json)).toEqual(['error']);
    expect(res.text).not.toContain(accountId);
  });

  test.each([
    ['the Bearer OPERATOR_TOKEN', { authorization: `Bearer ${TOKEN}` }],
    ["the subgraph secret's signature", signedGet(SECRET, 'account')],
  ])('%s → 200 with the outbox', async (_, headers) => {
    const res = await request(outbox(), { headers });
    expect(res.status).toBe(200);
    expect(res.json.pending).toBeGreaterThanOrEqual(1);
    expect(res.text).toContain(accountId);
  });

  test.each(['/metrics', '/live', '/ready'])('%s stays open → 200', async (route) => {
    expect((await request(`${account.baseUrl}${route}`)).status).toBe(200);
  });
});

describe('npm run outbox:status against it', () => {
  const { SUBGRAPH_SECRET: _s, OPERATOR_TOKEN: _t, ...withoutCredentials } = process.env;
  const cli = async (env: Record<string, string>) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'tools/outbox-status.ts', '--json', '--relay', outbox()],
      {
        cwd: path.resolve(__dirname, '..'),
        env: { ...withoutCredentials, LOG_LEVEL: 'silent', ...env },
        timeout: 30_000,
      },
    );
    return JSON.parse(stdout) as { relay?: string; unreachable?: string; pending: number };
  };

  test.each([
    ['SUBGRAPH_SECRET (it signs)', { SUBGRAPH_SECRET: SECRET }],
    ['OPERATOR_TOKEN (it sends the token)', { OPERATOR_TOKEN: TOKEN }],
  ])("with %s: the relay's view", async (_, env) => {
    const out = await cli(env);
    expect(out.unreachable).toBeUndefined();
    expect(out.relay).toEqual(expect.any(String));
    expect(out.pending).toBeGreaterThanOrEqual(1);
  });

  test('with neither: the table only, and the 401 named', async () => {
    const out = await cli({});
    expect(out.unreachable).toMatch(/answered 401/);
  });
});
