/**
 * eventually(): returns what the probe returned once it holds, retries while it throws or
 * returns undefined/false, fails at the deadline with the probe's last failure, and stops at
 * once on GiveUp; heldWithin() reports whether the probe held in time.
 */
import { eventually, GiveUp, heldWithin } from './eventually';

test('retries until the probe holds and returns its value', async () => {
  let calls = 0;
  const value = await eventually(
    () => {
      calls++;
      if (calls === 1) throw new Error('not yet');
      return calls < 3 ? undefined : { calls };
    },
    { intervalMs: 1 },
  );
  expect(value).toEqual({ calls: 3 });
});

test('fails at the deadline naming what it waited for and the last failure', async () => {
  let calls = 0;
  const err = (await eventually(
    () => {
      calls++;
      expect(calls).toBe(-1);
    },
    { what: 'a negative count', timeoutMs: 30, intervalMs: 5 },
  ).then(
    () => undefined,
    (e: unknown) => e,
  )) as Error;
  expect(err).toBeInstanceOf(Error);
  expect(err.message).toMatch(/^gave up waiting 30 ms \(\d+ tries\) for a negative count; last: /);
  expect(err.message).toContain('Expected: -1');
  expect(err.cause).toBeInstanceOf(Error);
  expect(calls).toBeGreaterThan(1);
  await expect(eventually(() => false, { timeoutMs: 0 })).rejects.toThrow(/last: the probe returned false$/);
});

test('GiveUp fails at once; heldWithin answers whether the probe held in time', async () => {
  let calls = 0;
  const gaveUp = () => {
    calls++;
    throw new GiveUp('the process exited');
  };
  await expect(eventually(gaveUp, { timeoutMs: 10_000 })).rejects.toThrow('the process exited');
  await expect(heldWithin(gaveUp, { timeoutMs: 10_000 })).rejects.toBeInstanceOf(GiveUp);
  expect(calls).toBe(2);
  expect(await heldWithin(() => true, { timeoutMs: 0 })).toBe(true);
  expect(await heldWithin(() => undefined, { timeoutMs: 20, intervalMs: 5 })).toBe(false);
});
