/**
 * Deadlines (timeout.ts): the defaults, the call's budget derived from the attempts, and a
 * Deadline spending under Jest's fake clock. The environment's defaults are the same numbers.
 */
import { loadConfig } from '../../platform/config';
import { Deadline, TIMEOUT_DEFAULTS, timeouts } from './timeout';

afterEach(() => jest.useRealTimers());

test('defaults: 1 s per query attempt, 10 s per write, a budget of every attempt timing out', () => {
  expect(timeouts({}, 3)).toEqual({ attemptMs: 1_000, mutationMs: 10_000, budgetMs: 3_000 });
  expect(timeouts({ attemptMs: 200 }, 2)).toEqual({ attemptMs: 200, mutationMs: 10_000, budgetMs: 400 });
  expect(timeouts({ budgetMs: 50 }, 3).budgetMs).toBe(50);
  const { resilience } = loadConfig({});
  expect([resilience.timeoutMs, resilience.mutationTimeoutMs]).toEqual([
    TIMEOUT_DEFAULTS.attemptMs,
    TIMEOUT_DEFAULTS.mutationMs,
  ]);
});

test('a deadline spends with the clock and stops at 0', () => {
  jest.useFakeTimers();
  const deadline = new Deadline(3_000);
  expect(deadline.remainingMs()).toBe(3_000);
  jest.advanceTimersByTime(1_000);
  expect(deadline.remainingMs()).toBe(2_000);
  jest.advanceTimersByTime(5_000);
  expect(deadline.remainingMs()).toBe(0);
});
