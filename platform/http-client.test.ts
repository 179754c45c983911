/**
 * HttpClient (platform/http-client.ts) against real HTTP servers on 127.0.0.1: connections
 * are reused, the deadline cuts silent and stalled answers, network failures are told apart
 * from answers, and the fetch-shaped view reads like a WHATWG Response.
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
import { HttpClient, fetchLike } from './http-client';
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

describe('the fetch-shaped view', () => {
  test('reads like a Response: ok, status, statusText, url, headers.get, text(), json()', async () => {
    const server = await startFakeServer(data({ ok: true }));
    const res = await client().fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res).toEqual(expect.objectContaining({ ok: true, status: 200, statusText: 'OK', url: server.url }));
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(res.headers.has('content-type')).toBe(true);
    expect(Object.fromEntries(res.headers.entries())).toEqual(
      expect.objectContaining({ 'content-type': 'application/json' }),
    );
    expect(await res.json()).toEqual({ data: { ok: true } });
    expect(await res.text()).toBe('{"data":{"ok":true}}');
  });

  test("the rest of fetch's Response (Apollo's fetcher type): a view's header changes are its own, clone, arrayBuffer", () => {
    const answer = { status: 200, headers: { 'content-type': 'application/json' }, text: '{"a":1}' };
    const view = fetchLike('http://x/graphql', answer);
    view.headers.set('x-a', '1');
    view.headers.append('x-a', '2');
    view.headers.delete('content-type');
    expect([...view.headers.keys()]).toEqual(['x-a']);
    expect([...view.headers.values()]).toEqual(['1, 2']);
    const other = fetchLike('http://x/graphql', answer); // another caller sharing the answer
    expect(Object.fromEntries(other.headers)).toEqual({ 'content-type': 'application/json' });
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
    expect(view.clone().headers.get('content-type')).toBe('application/json');
    expect(view.bodyUsed).toBe(false);
    return view.arrayBuffer().then((b) => expect(Buffer.from(b).toString()).toBe('{"a":1}'));
  });

  test('a 5xx is not ok', async () => {
    const server = await startFakeServer(status(502));
    const res = await client().fetch(server.url);
    expect(res.ok).toBe(false);
    expect(res.status).toBe(502);
    expect(res.statusText).toBe('Bad Gateway');
  });
});
