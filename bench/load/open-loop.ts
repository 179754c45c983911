/**
 * An open-loop, fixed-rate load generator for the load tests: request i of a stream is due
 * at start + i / rate and is sent then, whether or not earlier ones have answered, so a
 * slow or failing server does not slow the load down (no coordinated omission), and its
 * latency counts from the due time. Bounded: a duration, the client's per-request deadline
 * (scenarios/common.ts: a pooled keep-alive client, so the generator's own CPU per request
 * stays small next to what it measures), and a cap on requests in flight (beyond it a
 * request is recorded as failed, not sent).
 */
import { isTimeout } from '../../platform/network-errors';
import type { Sample } from '../lib/stats';

export interface Stream {
  /** Requests per second of this stream. */
  rate: number;
  /** Offset of the first request, in ms (spreads several streams' requests). */
  offsetMs?: number;
  /** Sends request number `i`; resolves to what is recorded (status, ok, partial...). */
  send(i: number): Promise<Omit<Sample, 't' | 'latencyMs'>>;
}

export interface OpenLoopOptions {
  streams: Stream[];
  durationMs: number;
  maxInFlight?: number;
  /** Called with every finished sample (live progress). */
  onSample?: (s: Sample) => void;
  /** The clock's zero, performance.now() based (default: when run() is called). */
  startedAt?: number;
}

export async function runOpenLoop(opts: OpenLoopOptions): Promise<Sample[]> {
  const t0 = opts.startedAt ?? performance.now();
  const maxInFlight = opts.maxInFlight ?? 500;
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let inFlight = 0;
  const record = (s: Sample) => {
    samples.push(s);
    opts.onSample?.(s);
  };

  const fire = (stream: Stream, i: number, due: number) => {
    if (inFlight >= maxInFlight) {
      record({ t: due, latencyMs: 0, status: 0, ok: false, error: 'not sent: too many requests in flight' });
      return;
    }
    inFlight++;
    const p = stream
      .send(i)
      .then(
        (r) => record({ ...r, t: due, latencyMs: performance.now() - t0 - due }),
        (err: unknown) =>
          record({ t: due, latencyMs: performance.now() - t0 - due, status: 0, ok: false, error: describe(err) }),
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  };

  // One timer loop for all streams: send whatever is due, then sleep until the next due time.
  const next = opts.streams.map(() => 0);
  const dueOf = (s: number) => (opts.streams[s]!.offsetMs ?? 0) + (next[s]! * 1000) / opts.streams[s]!.rate;
  for (;;) {
    const now = performance.now() - t0;
    let soonest = Number.POSITIVE_INFINITY;
    for (let s = 0; s < opts.streams.length; s++) {
      while (dueOf(s) <= now && dueOf(s) < opts.durationMs) {
        fire(opts.streams[s]!, next[s]!, dueOf(s));
        next[s] = next[s]! + 1;
      }
      if (dueOf(s) < opts.durationMs) soonest = Math.min(soonest, dueOf(s));
    }
    if (!Number.isFinite(soonest)) break;
    await new Promise((r) => setTimeout(r, Math.max(0, soonest - (performance.now() - t0))));
  }
  await Promise.all([...pending]);
  return samples.sort((a, b) => a.t - b.t);
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (isTimeout(err) || e?.name === 'TimeoutError') return 'timeout';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
