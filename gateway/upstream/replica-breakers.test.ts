/**
 * ReplicaBreakers (gateway/upstream/replica-breakers.ts) under Jest's fake clock: a replica opens after
 * `threshold` failed attempts in a row (an answer in between starts the count again), is left
 * out for `halfOpenAfterMs`, then admits exactly one probe, whose outcome closes or re-opens it;
 * replicas are independent; each change is told.
 */
import { ReplicaBreakers } from './replica-breakers';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const A = 'http://a:1';
const B = 'http://b:1';
const fail = new Error('timed out');
/** Outcomes are recorded through cockatiel's async `execute`: a few microtasks later. */
const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function breakers() {
  const changes: string[] = [];
  const b = new ReplicaBreakers([A, B], {
    threshold: 3,
    halfOpenAfterMs: 1_000,
    onChange: (origin, state) => changes.push(`${origin} ${state}`),
  });
  return { b, changes };
}

test('opens after `threshold` failures in a row; an answer in between starts the count again', async () => {
  const { b, changes } = breakers();
  b.record(A, fail);
  b.record(A, fail);
  b.record(A); // answered
  b.record(A, fail);
  b.record(A, fail);
  await flush();
  expect(b.closed).toEqual([A, B]);
  b.record(A, fail);
  await flush();
  expect(b.closed).toEqual([B]);
  expect(b.admits(A)).toBe(false);
  expect(b.admits(B)).toBe(true);
  expect(changes).toEqual([`${A} open`]);
});

test('after halfOpenAfterMs one probe is admitted; its answer closes the breaker', async () => {
  const { b, changes } = breakers();
  for (let i = 0; i < 3; i++) b.record(A, fail);
  await jest.advanceTimersByTimeAsync(999);
  expect(b.admits(A)).toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  expect(b.admits(A)).toBe(true);
  b.take(A); // the probe is on its way: nobody else meanwhile
  expect(b.admits(A)).toBe(false);
  b.record(A);
  await flush();
  expect(b.closed).toEqual([A, B]);
  expect(changes).toEqual([`${A} open`, `${A} half-open`, `${A} closed`]);
});

test('a failed probe leaves the replica out for another halfOpenAfterMs', async () => {
  const { b } = breakers();
  for (let i = 0; i < 3; i++) b.record(A, fail);
  await jest.advanceTimersByTimeAsync(1_000);
  b.take(A);
  b.record(A, fail);
  await flush();
  expect(b.admits(A)).toBe(false);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(b.admits(A)).toBe(true);
});
