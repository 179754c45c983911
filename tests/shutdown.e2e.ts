/**
 * SIGTERM while keep-alive clients keep sending (platform/drain.ts, platform/lifecycle.ts):
 * a real subgraph process, eight clients each on its own kept-alive connection sending
 * request after request, before and after the signal, until the process no longer accepts
 * connections. The process exits 0 (not by the shutdown timeout); no request is reset or
 * left without an answer: each one is answered, or refused at connect once the process
 * stopped listening; each connection gets at most one answer carrying `Connection: close`,
 * and its next request is refused at connect.
 */
import http from 'node:http';
import { freePort } from '../prisma/tools/local/scratch';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';
import { JSON_HEADERS, request } from './harness/request';

jest.setTimeout(60_000);

const CLIENTS = 8;
const BODY = JSON.stringify({ query: '{ __typename }' });

interface Outcome {
  answered: { status: number; connectionClose: boolean; afterSignal: boolean }[];
  /** The error that ended the loop: ECONNREFUSED once the process stopped listening. */
  ended?: NodeJS.ErrnoException;
}

let image: SubgraphProcess | undefined;
afterAll(() => image?.kill('SIGKILL'));

test('SIGTERM with eight keep-alive clients sending: every request answered or refused at connect, exit 0', async () => {
  image = spawnSubgraph('image', await freePort(), { LOG_LEVEL: 'info' });
  await waitReady(image);
  let signalled = false;
  let started = 0;

  const client = async (): Promise<Outcome> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const outcome: Outcome = { answered: [] };
    try {
      for (;;) {
        let reply;
        try {
          reply = await request(image!.graphqlUrl, { method: 'POST', headers: JSON_HEADERS, body: BODY, agent });
        } catch (err) {
          outcome.ended = err as NodeJS.ErrnoException;
          return outcome;
        }
        started++;
        outcome.answered.push({
          status: reply.status,
          connectionClose: reply.headers.connection === 'close',
          afterSignal: signalled,
        });
      }
    } finally {
      agent.destroy();
    }
  };

  const clients = Array.from({ length: CLIENTS }, client);
  // Let them get going on kept-alive connections, then signal in the middle of the traffic.
  while (started < 200) await new Promise((r) => setTimeout(r, 10));
  signalled = true;
  image.child.kill('SIGTERM');
  const outcomes = await Promise.all(clients);
  await image.exited;

  expect({ code: image.child.exitCode, signal: image.child.signalCode }).toEqual({ code: 0, signal: null });
  expect(image.output()).toMatch(/"msg":"stopped"/);
  expect(image.output()).not.toMatch(/shutdown timed out/);
  for (const o of outcomes) {
    // Ended by a refused connection, never by a reset or a hang-up of a sent request.
    expect(o.ended?.code).toBe('ECONNREFUSED');
    expect(o.answered.every((a) => a.status === 200)).toBe(true);
    // At most one Connection: close answer per connection, and it is that client's last answer.
    const closes = o.answered.filter((a) => a.connectionClose);
    expect(closes.length).toBeLessThanOrEqual(1);
    if (closes.length === 1) expect(o.answered[o.answered.length - 1]!.connectionClose).toBe(true);
    expect(o.answered.filter((a) => a.connectionClose && !a.afterSignal)).toEqual([]);
  }
  // The clients were busy: at least one got its answer during the drain (Connection: close).
  expect(outcomes.some((o) => o.answered.some((a) => a.connectionClose))).toBe(true);
});
