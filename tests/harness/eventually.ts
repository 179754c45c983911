/**
 * The one way tests wait for something asynchronous to happen: poll a probe until it holds,
 * within a deadline, and fail with what the probe last said (instead of each test file growing
 * its own sleep-and-check loop with its own error message). A probe holds when it returns
 * anything but `undefined` or `false` without throwing; an assertion (expect(...)) works as a
 * probe, and its message is the one the timeout reports. A probe throws `GiveUp` when waiting
 * longer is pointless (the process it waits for has exited): that error fails the wait at once.
 */

export interface EventuallyOptions {
  /** What is awaited, for the error message. */
  what?: string;
  /** The deadline, from the first call (default 10 s). */
  timeoutMs?: number;
  /** The pause between calls (default 25 ms). */
  intervalMs?: number;
}

/** Thrown from a probe: stop polling and fail with this error now. */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `probe` until it holds; returns what it returned then. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  { what = 'the condition', timeoutMs = 10_000, intervalMs = 25 }: EventuallyOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let calls = 1; ; calls++) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      last = `the probe returned ${String(value)}`;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    if (Date.now() >= deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      throw new Error(`gave up waiting ${timeoutMs} ms (${calls} tries) for ${what}; last: ${reason}`, {
        cause: last,
      });
    }
    await sleep(intervalMs);
  }
}

/** `eventually` for waits whose outcome the test reads itself: whether the probe held in time. */
export const heldWithin = (probe: () => unknown, options: EventuallyOptions): Promise<boolean> =>
  eventually(probe, options).then(
    () => true,
    (err: unknown) => {
      if (err instanceof GiveUp) throw err;
      return false;
    },
  );
