/**
 * Gather (gateway/upstream/gather.ts) with in-process work under Jest's fake clock: a request shares only
 * work that starts after it arrived; a cold key starts at once; a hot key gathers for the
 * window; the outcome, failure included, is everyone's at once; nothing outlives the work.
 */
import { loadConfig } from '../../platform/config';
import { DEFAULT_GATHER_WINDOW_MS, Gather } from './gather';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Work that settles when told, recording when it started. */
function work<T>() {
  const started: number[] = [];
  const pending: { resolve(v: T): void; reject(e: unknown): void }[] = [];
  const start = () =>
    new Promise<T>((resolve, reject) => {
      started.push(Date.now());
      pending.push({ resolve, reject });
    });
  return { start, started, pending };
}

test('the default window is 5 ms, the gateway default too', async () => {
  expect(loadConfig({}).resilience.gatherWindowMs).toBe(DEFAULT_GATHER_WINDOW_MS);
  const gather = new Gather<string>({ windowMs: DEFAULT_GATHER_WINDOW_MS });
  const w = work<string>();
  void gather.run('k', w.start);
  void gather.run('k', w.start);
  await jest.advanceTimersByTimeAsync(4);
  expect(w.started).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  expect(w.started).toHaveLength(2);
});

test('a cold key starts at once; identical requests behind it gather into one piece of work', async () => {
  let shared = 0;
  const gather = new Gather<string>({ windowMs: 20, onShared: () => shared++ });
  const w = work<string>();
  const t0 = Date.now();
  const answers = Array.from({ length: 20 }, () => gather.run('k', w.start));
  expect(w.started).toEqual([t0]); // the first, at once
  await jest.advanceTimersByTimeAsync(20);
  expect(w.started).toEqual([t0, t0 + 20]); // the other 19, together, after the window
  expect(shared).toBe(18);
  w.pending[0]!.resolve('first');
  w.pending[1]!.resolve('gathered');
  const got = await Promise.all(answers);
  expect(got).toEqual(['first', ...Array.from({ length: 19 }, () => 'gathered')]);
  expect(gather.size).toBe(0);
});

test('a request never joins work that started before it arrived', async () => {
  const gather = new Gather<string>({ windowMs: 10 });
  const w = work<string>();
  const first = gather.run('k', w.start);
  await jest.advanceTimersByTimeAsync(3);
  const second = gather.run('k', w.start); // the first is under way: second waits for its own
  await jest.advanceTimersByTimeAsync(10);
  expect(w.started).toHaveLength(2);
  expect(w.started[1]).toBeGreaterThan(w.started[0]!);
  w.pending[0]!.resolve('before');
  w.pending[1]!.resolve('after');
  expect(await first).toBe('before');
  expect(await second).toBe('after');
});

test('a failure is the outcome of everyone gathered, at once; the next request starts afresh', async () => {
  const gather = new Gather<string>({ windowMs: 10 });
  const w = work<string>();
  const first = gather.run('k', w.start);
  const gathered = [gather.run('k', w.start), gather.run('k', w.start)];
  await jest.advanceTimersByTimeAsync(10);
  w.pending[1]!.reject(new Error('timed out'));
  for (const g of gathered) await expect(g).rejects.toThrow('timed out');
  expect(w.started).toHaveLength(2); // nobody started over
  w.pending[0]!.resolve('ok');
  expect(await first).toBe('ok');
  const later = gather.run('k', w.start);
  expect(w.started).toHaveLength(3); // cold again: at once
  w.pending[2]!.resolve('later');
  expect(await later).toBe('later');
});

test('different keys never share; a synchronous throw is that caller’s rejection', async () => {
  const gather = new Gather<string>({ windowMs: 10 });
  const w = work<string>();
  void gather.run('a', w.start);
  void gather.run('b', w.start);
  expect(w.started).toHaveLength(2);
  await expect(
    gather.run('c', () => {
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(gather.size).toBe(2);
});
