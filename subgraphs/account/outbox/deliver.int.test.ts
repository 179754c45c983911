/**
 * failureScope (deliver.ts) on the errors the real deliverer (deliver.ts) throws: against
 * the real data subgraph (in this process, on the test PostgreSQL) refusing an event,
 * refusing an unsigned request, and with its database refusing connections; against tiny
 * real HTTP servers answering what a proxy or a broken data context would (5xx, 404, a
 * reset, silence, a wrong acknowledgement); against a port nobody listens on. Then the
 * explicit fields a deliverer may set (`scope`, `status`).
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../../platform/logger';
import { adminQuery, testDatabaseUrls } from '../../../tests/harness/db';
import {
  closeFakeServers,
  hang,
  reset,
  startFakeServer,
  status,
  type Behaviour,
} from '../../../tests/harness/fake-http';
import { freePort } from '../../../prisma/tools/local/scratch';
import { dataSubgraph } from '../../data';
import { startSubgraph, type RunningSubgraph } from '../../kit/subgraph';
import { failureScope, graphqlDeliverer } from './deliver';
import type { OutboxRow } from './store';

const SECRET = 'f'.repeat(48);
let data: RunningSubgraph;

beforeAll(async () => {
  const log = createLogger('outbox-failure-test', 'silent');
  data = await startSubgraph(dataSubgraph(testDatabaseUrls().data, 2), {
    host: '127.0.0.1',
    port: 0,
    instanceName: 'test',
    retry: { maxAttempts: 2 },
    log,
    secret: SECRET,
  });
});
afterEach(closeFakeServers);
afterAll(async () => {
  await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
  await data.stop();
});

const row = (eventName = 'CREATED'): OutboxRow => ({
  id: randomUUID(),
  accountId: randomUUID(),
  seq: 1n,
  eventName,
  occurredAt: new Date(),
  attempts: 0,
});

/** What deliver.ts throws for `row` sent to `url` (fails the test if it does not throw). */
async function thrown(url: string, r = row(), secret = SECRET, timeoutMs = 1_000): Promise<unknown> {
  return graphqlDeliverer(
    url,
    timeoutMs,
    secret,
  )(r).then(
    () => {
      throw new Error('the delivery succeeded');
    },
    (err: unknown) => err,
  );
}

const fake = async (behaviour: Behaviour) => (await startFakeServer(behaviour)).url;
const json = (code: number, body: unknown): Behaviour => status(code, JSON.stringify(body), 'application/json');

describe('the real data subgraph', () => {
  test('an event it refuses (bad input) is the event’s', async () => {
    const err = await thrown(data.url, row('not an event name'));
    expect(String(err)).toMatch(/refused the event \(BAD_USER_INPUT\): input\.eventName must be/);
    expect(failureScope(err)).toBe('event');
  });

  test('a request it does not accept as signed (401) is the destination’s', async () => {
    expect(failureScope(await thrown(data.url, row(), 'w'.repeat(48)))).toBe('destination');
    expect(failureScope(await thrown(data.url, row(), ''))).toBe('destination');
  });

  test('its own database refusing connections is the destination’s', async () => {
    await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS false');
    try {
      await adminQuery(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'data' AND pid <> pg_backend_pid()",
      );
      const err = await thrown(data.url, row(), SECRET, 5_000);
      // The data subgraph says its database is why (its write path's DATABASE_UNAVAILABLE: nothing
      // written), without the database's own text (subgraphs/kit/db-errors.ts).
      expect(String(err)).toMatch(/\(DATABASE_UNAVAILABLE\): the database is unavailable; nothing was written/);
      expect(String(err)).not.toMatch(/55000|accepting connections/);
      expect(failureScope(err)).toBe('destination');
    } finally {
      await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
    }
  });
});

describe('no data context, or a broken one', () => {
  test('nobody listening (connection refused)', async () => {
    expect(failureScope(await thrown(`http://127.0.0.1:${await freePort()}/graphql`))).toBe('destination');
  });

  test('a reset, and silence until the timeout', async () => {
    expect(failureScope(await thrown(await fake(reset)))).toBe('destination');
    expect(failureScope(await thrown(await fake(hang), row(), SECRET, 200))).toBe('destination');
  });

  test.each([500, 502, 503, 504])('%i, with or without a JSON body', async (code) => {
    expect(failureScope(await thrown(await fake(status(code, '<html>bad gateway</html>', 'text/html'))))).toBe(
      'destination',
    );
    expect(failureScope(await thrown(await fake(json(code, { data: null }))))).toBe('destination');
  });

  test('404 (a wrong URL) and a 200 that is not JSON', async () => {
    expect(failureScope(await thrown(await fake(json(404, {}))))).toBe('destination');
    expect(failureScope(await thrown(await fake(status(200, 'hello'))))).toBe('destination');
  });

  test('GraphQL errors that name the data context’s own trouble are the destination’s', async () => {
    for (const message of [
      'Timed out fetching a new connection from the connection pool',
      "Can't reach database server at `db:5432`",
      'Unexpected error. Try again',
    ]) {
      expect(failureScope(await thrown(await fake(json(200, { errors: [{ message }] }))))).toBe('destination');
    }
  });

  test('an answer about the event is the event’s: a 400 with GraphQL errors, a wrong acknowledgement', async () => {
    const invalid = json(400, {
      errors: [
        {
          message: 'Variable "$input" got invalid value "x" at "input.created"',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
    expect(failureScope(await thrown(await fake(invalid)))).toBe('event');
    expect(failureScope(await thrown(await fake(json(200, { data: { recordAccountEvent: { id: 'another' } } }))))).toBe(
      'event',
    );
  });
});

describe('what a deliverer may say explicitly', () => {
  test('`scope` decides, also from the cause chain', () => {
    expect(failureScope(Object.assign(new Error('connect ECONNREFUSED'), { scope: 'event' }))).toBe('event');
    expect(failureScope(Object.assign(new Error('refused the event: bad'), { scope: 'destination' }))).toBe(
      'destination',
    );
    expect(failureScope(new Error('wrapped', { cause: Object.assign(new Error('x'), { scope: 'event' }) }))).toBe(
      'event',
    );
  });

  test('`status`: 400, 409 and 422 are the event’s, any other error status the destination’s', () => {
    const withStatus = (status: number) => failureScope(Object.assign(new Error('answered'), { status }));
    expect([400, 409, 422].map(withStatus)).toEqual(['event', 'event', 'event']);
    expect([401, 403, 404, 408, 429, 500, 503].map(withStatus)).toEqual(Array(7).fill('destination'));
  });

  test('anything unrecognised is the destination’s', () => {
    expect(failureScope(new Error('something odd'))).toBe('destination');
    expect(failureScope('a string')).toBe('destination');
    expect(failureScope(undefined)).toBe('destination');
  });
});
