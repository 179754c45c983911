/**
 * Retry of a query call (retry.ts) over an in-process fake attempt, under Jest's fake clock with
 * Math.random pinned (full jitter draws half the bound): the defaults' attempts and delays, the
 * cap, the factor, what is retried and what is passed on, and Retry-After on 429/503 honoured
 * within the call's budget and not past it.
 */
import { BrokenCircuitError } from 'cockatiel';
import type { ClientResponse } from '../../platform/http-client';
import { loadConfig } from '../../platform/config';
import { RETRY_DEFAULTS, retryAfterMs, upstreamRetry, type UpstreamRetryOptions } from './retry';
import { Deadline } from './timeout';

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

const answer = (status: number, headers: Record<string, string> = {}): ClientResponse => ({
  status,
  headers,
  text: '',
});
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
type Step = ClientResponse | (() => Error);

/** Runs one call whose attempts play `steps` in turn (the last one repeats); when each started, and how it ended. */
async function run(steps: Step[], opts: UpstreamRetryOptions = {}, budgetMs = 3_000) {
  const started: number[] = [];
  const attempt = async () => {
    const step = steps[Math.min(started.length, steps.length - 1)]!;
    started.push(Date.now());
    if (typeof step === 'function') throw step();
    return step;
  };
  const outcome = upstreamRetry(opts)(attempt, new Deadline(budgetMs)).then(
    (a) => ({ answer: a }),
    (error: unknown) => ({ error }),
  );
  await jest.runAllTimersAsync();
  return { started, outcome: await outcome };
}

test('defaults: 3 attempts, full-jitter delays below 50 then 100 ms; the environment has the same defaults', async () => {
  const { resilience } = loadConfig({});
  expect([resilience.attempts, resilience.retryDelayMs, resilience.retryMaxDelayMs]).toEqual([
    RETRY_DEFAULTS.attempts,
    RETRY_DEFAULTS.initialDelayMs,
    RETRY_DEFAULTS.maxDelayMs,
  ]);
  const { started, outcome } = await run([answer(503)]);
  expect(started).toEqual([0, 25, 75]);
  expect(outcome).toEqual({ answer: answer(503) }); // the last answer, passed on as it was
});

test('the delays grow by `factor` up to `maxDelayMs` (400 by default)', async () => {
  const gaps = (t: number[]) => t.slice(1).map((x, i) => x - t[i]!);
  expect(gaps((await run([answer(502)], { attempts: 6 })).started)).toEqual([25, 50, 100, 200, 200]);
  expect(gaps((await run([answer(502)], { attempts: 4, factor: 3, initialDelayMs: 20 })).started)).toEqual([
    10, 30, 90,
  ]);
});

test('an attempt without an answer is retried; the last error is thrown', async () => {
  const err = refused();
  const { started, outcome } = await run([() => err]);
  expect(started).toHaveLength(3);
  expect(outcome).toEqual({ error: err });
});

test('retried until an answer below 500', async () => {
  const { started, outcome } = await run([answer(500), () => refused(), answer(200)]);
  expect(started).toHaveLength(3);
  expect(outcome).toEqual({ answer: answer(200) });
});

test.each([
  ['a 4xx answer', answer(400)],
  ['a 429 without Retry-After', answer(429)],
  ['a 500 with a Retry-After (honoured on 429 and 503 only)', answer(500, { 'retry-after': '1' })],
])('%s: passed on after one attempt, or retried as a 5xx', async (_, a) => {
  const { started, outcome } = await run([a]);
  expect(started).toHaveLength(a.status >= 500 ? 3 : 1);
  expect(outcome).toEqual({ answer: a });
});

test('an open circuit (nothing was sent) is not retried', async () => {
  const { started, outcome } = await run([() => new BrokenCircuitError()]);
  expect(started).toHaveLength(1);
  expect((outcome as { error: unknown }).error).toBeInstanceOf(BrokenCircuitError);
});

test('`shouldRetry` decides what is retried', async () => {
  const never = await run([answer(503)], { shouldRetry: () => false });
  expect(never.started).toHaveLength(1);
  const on404 = await run([answer(404), answer(200)], { shouldRetry: (o) => 'answer' in o && o.answer.status === 404 });
  expect(on404.started).toEqual([0, 25]);
  expect(on404.outcome).toEqual({ answer: answer(200) });
});

test.each([429, 503])('%i with Retry-After: the next attempt exactly that much later, within the budget', async (s) => {
  const { started, outcome } = await run([answer(s, { 'retry-after': '2' }), answer(200)]);
  expect(started).toEqual([0, 2_000]);
  expect(outcome).toEqual({ answer: answer(200) });
});

test('a Retry-After past the budget is not waited for: the answer is passed on at once', async () => {
  const tooLate = answer(503, { 'retry-after': '4' });
  const { started, outcome } = await run([tooLate, answer(200)]);
  expect(started).toEqual([0]);
  expect(outcome).toEqual({ answer: tooLate });
  // What is left of the budget: after waiting 1 s of 2.5 s, a Retry-After of 2 s is past it.
  const second = answer(429, { 'retry-after': '2' });
  const spent = await run([answer(429, { 'retry-after': '1' }), second], {}, 2_500);
  expect(spent.started).toEqual([0, 1_000]);
  expect(spent.outcome).toEqual({ answer: second });
});

test('Retry-After as seconds or an HTTP date; anything else is no Retry-After', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const at = (v: string) => retryAfterMs(answer(503, { 'retry-after': v }), now);
  expect(at('3')).toBe(3_000);
  expect(at('Mon, 07 Dec 2026 12:00:05 GMT')).toBe(5_000);
  expect(at('Mon, 07 Dec 2026 11:00:00 GMT')).toBe(0);
  expect(at('soon')).toBeUndefined();
  expect(at('-1')).toBeUndefined();
  expect(retryAfterMs(answer(502, { 'retry-after': '3' }), now)).toBeUndefined();
});
