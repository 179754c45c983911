/**
 * The subgraph breaker (breaker.ts) under Jest's fake clock, with its defaults: open after 5
 * transient failures in a row (not after 4, not on a refusal with an answer), one probe after
 * 2 s, closed by a good probe; the replicas' breakers take the same defaults. The environment's
 * defaults are the same numbers.
 */
import { BrokenCircuitError, CircuitState } from 'cockatiel';
import { loadConfig } from '../../platform/config';
import { BREAKER_DEFAULTS, subgraphBreaker, type BreakerState } from './breaker';
import { ReplicaBreakers } from './replica-breakers';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const answered400 = Object.assign(new Error('400'), { extensions: { response: { status: 400 } } });
const fail = (err: unknown) => () => Promise.reject(err);
const ok = () => Promise.resolve('ok');

test('the environment defaults are the breaker defaults', () => {
  const { resilience } = loadConfig({});
  expect({ threshold: resilience.breakerThreshold, halfOpenAfterMs: resilience.halfOpenAfterMs }).toEqual(
    BREAKER_DEFAULTS,
  );
});

test('defaults: opens after 5 transient failures in a row, probes after 2 s, closes on a good probe', async () => {
  const changes: BreakerState[] = [];
  const breaker = subgraphBreaker({}, (s) => changes.push(s));
  for (let i = 0; i < 4; i++) await expect(breaker.execute(fail(refused))).rejects.toBe(refused);
  expect(breaker.state).toBe(CircuitState.Closed);
  await expect(breaker.execute(fail(refused))).rejects.toBe(refused);
  expect(breaker.state).toBe(CircuitState.Open);
  await jest.advanceTimersByTimeAsync(1_999);
  await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
  await jest.advanceTimersByTimeAsync(1);
  await expect(breaker.execute(ok)).resolves.toBe('ok');
  expect(breaker.state).toBe(CircuitState.Closed);
  expect(changes).toEqual(['open', 'half-open', 'closed']);
});

test('an answered refusal (4xx) is not a failure of the subgraph; a success resets the count', async () => {
  const breaker = subgraphBreaker({ threshold: 2 });
  await expect(breaker.execute(fail(refused))).rejects.toBe(refused);
  await breaker.execute(ok);
  await expect(breaker.execute(fail(refused))).rejects.toBe(refused);
  for (let i = 0; i < 3; i++) await expect(breaker.execute(fail(answered400))).rejects.toBe(answered400);
  expect(breaker.state).toBe(CircuitState.Closed);
});

test("the replicas' breakers take the same defaults: 5 failed attempts, then left out for 2 s", async () => {
  const breakers = new ReplicaBreakers(['http://a', 'http://b'], {});
  for (let i = 0; i < 4; i++) breakers.record('http://a', refused);
  await jest.advanceTimersByTimeAsync(0); // outcomes are recorded through cockatiel's async execute
  expect(breakers.closed).toEqual(['http://a', 'http://b']);
  breakers.record('http://a', refused);
  await jest.advanceTimersByTimeAsync(0);
  expect(breakers.closed).toEqual(['http://b']);
  await jest.advanceTimersByTimeAsync(1_999);
  expect(breakers.admits('http://a')).toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  expect(breakers.admits('http://a')).toBe(true);
});
