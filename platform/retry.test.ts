/**
 * The retry primitive (platform/retry.ts): the backoff formula every caller shares, bounded
 * by min(cap, base·2^(n−1)) with full or equal jitter, and the cockatiel policy built on it:
 * which errors are retried, how many attempts, what onRetry sees, and the abort signal.
 */
import { backoffDelay, retryPolicy, withRetry } from './retry';

const bound = (n: number, base: number, cap: number) => Math.min(cap, base * 2 ** Math.max(0, n - 1));

describe('backoffDelay', () => {
  test('full jitter: whole ms within [0, min(cap, base·2^(n−1))]', () => {
    const outside: string[] = [];
    for (const [base, cap] of [
      [1, 4],
      [10, 1_000],
      [100, 5_000],
      [50, 400],
    ] as const) {
      for (let n = 0; n <= 40; n++) {
        for (let i = 0; i < 100; i++) {
          const ms = backoffDelay(n, { baseDelayMs: base, maxDelayMs: cap });
          if (!Number.isInteger(ms) || ms < 0 || ms > bound(n, base, cap))
            outside.push(`(${n}, ${base}, ${cap}) = ${ms}`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  test('equal jitter: whole ms within [bound/2, bound]', () => {
    const outside: string[] = [];
    for (let n = 0; n <= 40; n++) {
      const b = bound(n, 100, 5_000);
      for (let i = 0; i < 100; i++) {
        const ms = backoffDelay(n, { baseDelayMs: 100, maxDelayMs: 5_000, jitter: 'equal' });
        if (!Number.isInteger(ms) || ms < Math.floor(b / 2) || ms > b) outside.push(`${n} = ${ms}`);
      }
    }
    expect(outside).toEqual([]);
  });

  test('grows with the failures until the cap, and jitters', () => {
    const max = (n: number) =>
      Math.max(...Array.from({ length: 300 }, () => backoffDelay(n, { baseDelayMs: 100, maxDelayMs: 1_000 })));
    // With 300 samples the largest lies above half its bound: 100·2^(n−1) doubles per failure.
    expect(max(1)).toBeLessThanOrEqual(100);
    expect(max(3)).toBeGreaterThan(200);
    expect(max(10_000)).toBeLessThanOrEqual(1_000);
    expect(max(10_000)).toBeGreaterThan(500);
    const samples = Array.from({ length: 200 }, () => backoffDelay(5, { baseDelayMs: 100, maxDelayMs: 5_000 }));
    expect(new Set(samples).size).toBeGreaterThan(1);
  });

  test('a zero base never waits', () => {
    expect(Array.from({ length: 10 }, (_, n) => backoffDelay(n, { baseDelayMs: 0, maxDelayMs: 1_000 }))).toEqual(
      Array(10).fill(0),
    );
  });
});

describe('retryPolicy / withRetry', () => {
  class Transient extends Error {}
  const retryable = (err: unknown) => err instanceof Transient;

  test('runs again after retryable errors until an attempt succeeds, numbering attempts from 1', async () => {
    const seen: number[] = [];
    const retries: [number, number, unknown][] = [];
    const result = await withRetry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new Transient(`attempt ${attempt}`);
        return 'ok';
      },
      { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, retryable, onRetry: (...a) => retries.push(a) },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(retries.map(([attempt]) => attempt)).toEqual([1, 2]);
    expect(retries.map(([, , err]) => (err as Error).message)).toEqual(['attempt 1', 'attempt 2']);
    retries.forEach(([attempt, delay]) => expect(delay).toBeLessThanOrEqual(bound(attempt, 1, 2)));
  });

  test('gives up after maxAttempts attempts in all, throwing the last error itself', async () => {
    const errors: Transient[] = [];
    const err = await withRetry(
      async () => {
        errors.push(new Transient(String(errors.length + 1)));
        throw errors.at(-1);
      },
      { maxAttempts: 4, baseDelayMs: 0, retryable },
    ).catch((e: unknown) => e);
    expect(errors).toHaveLength(4);
    expect(err).toBe(errors[3]);
  });

  test('maxAttempts 1 is no retry', async () => {
    let calls = 0;
    const onRetry = jest.fn();
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Transient();
        },
        { maxAttempts: 1, retryable, onRetry },
      ),
    ).rejects.toBeInstanceOf(Transient);
    expect(calls).toBe(1);
    expect(onRetry).not.toHaveBeenCalled();
  });

  test('an error that is not retryable is thrown at once, unchanged', async () => {
    const boom = new Error('boom');
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw boom;
        },
        { maxAttempts: 5, baseDelayMs: 0, retryable },
      ),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  test('an aborted signal stops it: no attempt starts after the abort', async () => {
    const controller = new AbortController();
    let calls = 0;
    const err = await withRetry(
      async (_, signal) => {
        calls++;
        expect(signal).toBe(controller.signal);
        controller.abort();
        throw new Transient('failed while aborting');
      },
      { maxAttempts: 5, baseDelayMs: 0, retryable },
      controller.signal,
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((err as Error).message).toBe('failed while aborting');

    const fn = jest.fn();
    await expect(withRetry(fn, { maxAttempts: 5, retryable }, controller.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(fn).not.toHaveBeenCalled();
  });

  test('the policy itself is cockatiel’s: reusable, one onRetry per retry', async () => {
    const onRetry = jest.fn();
    const policy = retryPolicy({ maxAttempts: 3, baseDelayMs: 0, retryable, onRetry });
    for (let run = 0; run < 2; run++) {
      let calls = 0;
      const value = await policy.execute(async () => {
        if (++calls < 3) throw new Transient();
        return calls;
      });
      expect(value).toBe(3);
    }
    expect(onRetry.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 1, 2]);
  });
});
