/**
 * Replays the old Go system's exchanges (tests/fixtures/legacy/*.json, one or more per
 * legacy route and the old router's redirects, 404 and 405) against the REST shim on the
 * real stack. Each fixture's `given` rows are written into the databases first (under a
 * prefix of its own, which `{P}` stands for), its request is sent as a Go client sent it
 * (harness/go-client.ts: a new connection, no Connection header; path unnormalised, no
 * redirect followed), and the reply must be the recorded one: status, every recorded
 * header (Content-Length as the body's length; `Connection: close`, and the server then
 * really closes the connection), no Content-Type where none was sent, and the body byte for
 * byte, except the values listed under `vary` (instance names, new ids, times), which are
 * checked by kind. The relay is off; a write's own delivery of its event is not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { insertAccounts, insertEvents, insertImages, removeCreated, uniquePrefix } from './harness/fixtures';
import { goCall, type GoReply } from './harness/go-client';
import { startStack, type Stack } from './harness/stack';

interface Fixture {
  exchange: string;
  source: string;
  given: {
    accounts: { id: string; name: string }[];
    events: { id: string; accountId: string; eventName: string; created: string }[];
    images: { accountId: string; url: string }[];
  };
  request: { method: string; path: string; headers?: Record<string, string>; body?: string };
  response: { status: number; headers: Record<string, string>; body: string };
  vary: Record<string, string>;
}

const DIR = path.join(__dirname, 'fixtures', 'legacy');
const P = uniquePrefix('restx');
const names = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const KINDS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  uuid: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(v),
  'local-time': (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/.test(v),
};

let stack: Stack;
const created: string[] = [];

/** The fixture with `{P}` replaced by this fixture's own prefix (the text is JSON; the prefix needs no escaping). */
function load(file: string): { fixture: Fixture; prefix: string } {
  const prefix = `${P}${file.replace(/\.json$/, '')}-`;
  return {
    fixture: JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8').replaceAll('{P}', prefix)) as Fixture,
    prefix,
  };
}

/** `2018-02-14T13:13:47.123`, a local time as the old service printed it, as an instant in this process's zone. */
function localInstant(text: string): Date {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(text);
  if (!m) throw new Error(`not a legacy local time: ${text}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s, ms);
}

/** The value at a JSON pointer (`/accountEvents/2/ID`) replaced by a marker; the old value returned. */
function take(doc: unknown, pointer: string): unknown {
  const keys = pointer.split('/').slice(1);
  let node = doc as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node?.[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (!node || !(last in node)) return undefined;
  const value = node[last];
  node[last] = '<vary>';
  return value;
}

beforeAll(async () => {
  stack = await startStack({ relay: false });
  for (const file of names) {
    const { given } = load(file).fixture;
    await insertAccounts(given.accounts.map((a) => ({ ...a, createdAt: new Date('2018-02-14T12:00:00.000Z') })));
    await insertEvents(given.events.map((e) => ({ ...e, created: localInstant(e.created) })));
    await insertImages(given.images);
  }
});

afterAll(async () => {
  await stack?.stop();
  await removeCreated(P, created);
});

test("there is a fixture for every legacy route and for the old router's redirect, 404 and 405", () => {
  const routes = names.map((f) => load(f).fixture.exchange.split(':')[0]);
  for (const want of [
    'GET /accounts/{accountId}',
    'POST /accounts',
    'PUT /accounts',
    'GET /accountsbyname/{accountName}',
    'GET /health',
  ]) {
    expect(routes).toContain(want);
  }
  expect(names.filter((f) => f.startsWith('router-'))).toHaveLength(6);
});

test.each(names)('%s', async (file) => {
  const { fixture } = load(file);
  const { request, response } = fixture;
  const reply: GoReply = await goCall(stack.gateway.port, request.method, request.path, {
    headers: request.headers,
    body: request.body,
  });
  if (request.method === 'POST' && reply.status === 201) created.push(JSON.parse(reply.text).ID);

  expect({ exchange: fixture.exchange, status: reply.status }).toEqual({
    exchange: fixture.exchange,
    status: response.status,
  });
  const recorded = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of Object.entries(recorded)) {
    const want = value === '{length}' ? String(Buffer.byteLength(reply.text)) : value;
    expect([name, reply.headers[name]]).toEqual([name, want]);
  }
  if (!('content-type' in recorded)) expect(reply.headers['content-type']).toBeUndefined();
  expect(['closed by the server', reply.closedByServer]).toEqual([
    'closed by the server',
    recorded.connection === 'close',
  ]);
  expect(reply.headers['x-partial-response']).toBeUndefined(); // everything runs: nothing may be marked replaced

  const varying = Object.entries(fixture.vary);
  const isJson = recorded['content-type'] === 'application/json' && /^[[{]/.test(response.body);
  if (!isJson || varying.length === 0) {
    expect(reply.text).toBe(response.body);
    return;
  }
  // Compact JSON as Go's json.Marshal wrote it, keys in the same order; varying values checked by kind.
  const got = JSON.parse(reply.text) as unknown;
  expect(JSON.stringify(got)).toBe(reply.text);
  const want = JSON.parse(response.body) as unknown;
  for (const [pointer, note] of varying) {
    const kind = note.split(':')[0]!;
    const old = take(want, pointer);
    const now = take(got, pointer);
    expect([pointer, KINDS[kind]?.(old), KINDS[kind]?.(now)]).toEqual([pointer, true, true]);
  }
  expect(JSON.stringify(got)).toBe(JSON.stringify(want));
});
