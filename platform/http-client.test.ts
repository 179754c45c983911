/**
 * HttpClient (platform/http-client.ts) against real HTTP servers on 127.0.0.1: connections
 * are reused, the deadline cuts silent and stalled answers, network failures are told apart
 * from answers, and an answer is its status, headers and whole text.
 */
import { freePort } from '../prisma/tools/local/scratch';
import {
  closeFakeServers,
  data,
  delayed,
  hang,
  reset,
  startFakeServer,
  status,
  type Behaviour,
} from '../tests/harness/fake-http';
import { HttpClient } from './http-client';
import { isNetworkError, isTimeout } from './network-errors';

const clients: HttpClient[] = [];
const client = (timeoutMs = 2_000, connections?: number) => {
  const c = new HttpClient({ timeoutMs, connections });
  clients.push(c);
  return c;
};
const failure = (p: Promise<unknown>) =>
  p.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await closeFakeServers();
});

describe('sending', () => {
  test('posts the body and headers, returns status, headers and the whole text', async () => {
    const server = await startFakeServer(data({ ok: true }));
    const res = await client().send(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: '{"query":"{ ok }"}',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.text)).toEqual({ data: { ok: true } });
    expect(server.bodies).toEqual([{ query: '{ ok }' }]);
    expect(server.headers[0]?.['x-test']).toBe('yes');
  });

  test('sequential requests reuse kept-alive connections', async () => {
    const server = await startFakeServer(data({ ok: true }));
    const c = client();
    for (let i = 0; i < 50; i++) await c.send(server.url, { method: 'POST', body: '{}' });
    expect(server.requests).toBe(50);
    // undici's pool opens a second socket for the request that follows the very first one
    // (the first is still finishing its response), then keeps using those two.
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  test('concurrent requests open at most `connections` sockets', async () => {
    const server = await startFakeServer(delayed(20, data({ ok: true })));
    const c = client(2_000, 3);
    await Promise.all(Array.from({ length: 12 }, () => c.send(server.url, { method: 'POST', body: '{}' })));
    expect(server.requests).toBe(12);
    expect(server.connections).toBeLessThanOrEqual(3);
  });

  test('an error status is an answer, not a failure', async () => {
    const server = await startFakeServer(status(503, 'down'));
    const res = await client().send(server.url);
    expect(res).toEqual(expect.objectContaining({ status: 503, text: 'down' }));
  });

  test('after close() nothing is sent', async () => {
    const server = await startFakeServer(data({ ok: true }));
    const c = client();
    await c.send(server.url);
    await c.close();
    expect(((await failure(c.send(server.url))) as Error).message).toMatch(/closed/);
    expect(server.requests).toBe(1);
  });
});

describe('failures', () => {
  test('a refused connection is a network error, not a timeout', async () => {
    const err = await failure(client().send(`http://127.0.0.1:${await freePort()}/`));
    expect(isNetworkError(err)).toBe(true);
    expect(isTimeout(err)).toBe(false);
  });

  test('a reset without an answer is a network error', async () => {
    const server = await startFakeServer(reset);
    const err = await failure(client().send(server.url, { method: 'POST', body: '{}' }));
    expect(isNetworkError(err)).toBe(true);
  });

  test('a server that never answers is cut at the deadline', async () => {
    const server = await startFakeServer(hang);
    const started = Date.now();
    const err = await failure(client(150).send(server.url));
    expect(isTimeout(err)).toBe(true);
    expect(isNetworkError(err)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('a body that stalls half-way is cut too', async () => {
    const stall: Behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    };
    const server = await startFakeServer(stall);
    const err = await failure(client(150).send(server.url));
    expect(isTimeout(err)).toBe(true);
  });

  test('a slow answer inside the deadline is served', async () => {
    const server = await startFakeServer(delayed(100, data({ late: true })));
    const res = await client(1_000).send(server.url);
    expect(JSON.parse(res.text)).toEqual({ data: { late: true } });
  });

  test.each<[string, unknown, boolean]>([
    [
      'an error with a network code in its cause',
      Object.assign(new Error('request failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
      true,
    ],
    ['a plain error', new Error('connect ECONNREFUSED (only in the text)'), false],
    [
      'an invalid-argument error from undici',
      Object.assign(new Error('invalid method'), { code: 'UND_ERR_INVALID_ARG' }),
      false,
    ],
    ['not an error', 'ECONNRESET', false],
  ])('isNetworkError: %s → %s', (_, err, expected) => expect(isNetworkError(err)).toBe(expected));
});

describe('the answer', () => {
  test('status, headers as undici gives them (lower-cased) and the whole text, for any status', async () => {
    const server = await startFakeServer(data({ ok: true }));
    const res = await client().send(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe('{"data":{"ok":true}}');
    expect(server.bodies).toEqual([{}]);
    const failing = await startFakeServer(status(502));
    expect(await client().send(failing.url)).toEqual(expect.objectContaining({ status: 502, text: 'boom' }));
  });

  test("a body in several chunks is decoded once, as UTF-8, a leading BOM skipped (as undici's body.text())", async () => {
    const bytes = Buffer.from('\uFEFF{"name":"Zoë"}', 'utf8');
    const cut = bytes.indexOf(Buffer.from('ë', 'utf8')) + 1; // inside the two bytes of ë
    const server = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });
    expect((await client().send(server.url)).text).toBe('{"name":"Zoë"}');
  });

  test('the path and query of the URL reach the server', async () => {
    let seen = '';
    const server = await startFakeServer((req, res) => {
      seen = req.url ?? '';
      res.end();
    });
    await client().send(`${server.url}?a=1&b=2`);
    expect(seen).toBe('/graphql?a=1&b=2');
  });
});
