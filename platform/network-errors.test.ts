/**
 * The network-error classification (platform/network-errors.ts) on errors real sockets and
 * real clients throw: a TCP connection refused on 127.0.0.1 (Node's net, undici through
 * HttpClient, pg), a connection reset after the request was written, a deadline, and undici's
 * own error classes; then what is deliberately not a network error (text only, undici's
 * argument errors, a caller's abort).
 */
import net from 'node:net';
import pg from 'pg';
import { errors as undici } from 'undici';
import { closeFakeServers, hang, reset, startFakeServer } from '../tests/harness/fake-http';
import { dbErrorKind } from '../subgraphs/kit/db-errors';
import { HttpClient } from './http-client';
import { isNetworkError, isTimeout, networkFailure, wasNotSent } from './network-errors';

/** A port on 127.0.0.1 that was free a moment ago, so a connection to it is refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );

const client = new HttpClient({ timeoutMs: 150 });
afterEach(closeFakeServers);
afterAll(() => client.close());

describe('not sent: nothing reached the other side', () => {
  test('a TCP connection refused (Node net)', async () => {
    const port = await closedPort();
    const err = await failure(
      new Promise((resolve, reject) =>
        net.connect(port, '127.0.0.1', () => resolve('connected')).once('error', reject),
      ),
    );
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(networkFailure(err)).toBe('not-sent');
    expect([isNetworkError(err), wasNotSent(err), isTimeout(err)]).toEqual([true, true, false]);
  });

  test('a connection refused to the HTTP client (undici)', async () => {
    const err = await failure(client.send(`http://127.0.0.1:${await closedPort()}/graphql`, { method: 'POST' }));
    expect(networkFailure(err)).toBe('not-sent');
    expect(wasNotSent(err)).toBe(true);
  });

  test('a connection refused to pg: the database kind says unreachable, nothing written', async () => {
    const db = new pg.Client({ connectionString: `postgresql://nobody@127.0.0.1:${await closedPort()}/none` });
    const err = await failure(db.connect());
    expect(networkFailure(err)).toBe('not-sent');
    expect(dbErrorKind(err)).toBe('unreachable');
  });

  test('undici’s connect timeout is not sent, and a deadline', () => {
    const err = new undici.ConnectTimeoutError();
    expect(networkFailure(err)).toBe('not-sent');
    expect(isTimeout(err)).toBe(true);
  });
});

describe('lost: the request may have arrived', () => {
  test('a connection reset after the request was written', async () => {
    const server = await startFakeServer(reset);
    const err = await failure(client.send(server.url, { method: 'POST', body: '{}' }));
    expect(networkFailure(err)).toBe('lost');
    expect([isNetworkError(err), wasNotSent(err)]).toEqual([true, false]);
  });

  test('no answer before the deadline', async () => {
    const server = await startFakeServer(hang);
    const err = await failure(client.send(server.url));
    expect(err).toBeInstanceOf(undici.HeadersTimeoutError);
    expect(networkFailure(err)).toBe('lost');
    expect([isTimeout(err), wasNotSent(err)]).toEqual([true, false]);
  });

  test.each<[string, Error]>([
    ['SocketError', new undici.SocketError('other side closed')],
    ['BodyTimeoutError', new undici.BodyTimeoutError()],
    ['ClientClosedError', new undici.ClientClosedError()],
    ['ClientDestroyedError', new undici.ClientDestroyedError()],
  ])('undici’s %s', (_, err) => expect(networkFailure(err)).toBe('lost'));

  test('found in the cause chain too, and the same for a pg socket that was reset', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(networkFailure(new Error('fetch failed', { cause: new Error('wrapped', { cause: reset }) }))).toBe('lost');
    expect(dbErrorKind(reset)).toBe('connection');
  });
});

describe('not a network error', () => {
  test.each<[string, unknown]>([
    ['a message that only reads like one', new Error('connect ECONNREFUSED 127.0.0.1:4001')],
    ['undici’s InvalidArgumentError', new undici.InvalidArgumentError('invalid method')],
    ['undici’s RequestAbortedError (the caller aborted)', new undici.RequestAbortedError()],
    ['an HTTP-level error', Object.assign(new Error('answered 503'), { status: 503 })],
    ['a string', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('%s', (_, err) => {
    expect(networkFailure(err)).toBeUndefined();
    expect([isNetworkError(err), wasNotSent(err), isTimeout(err)]).toEqual([false, false, false]);
  });

  test('a cycle of causes ends', () => {
    const a: { cause?: unknown } = {};
    a.cause = { cause: a };
    expect(isNetworkError(a)).toBe(false);
  });
});
