/**
 * A synthetic load run for the bench/ tests (bench.test.ts, smoke.e2e.ts): 300 samples 20 ms
 * apart with a latency spike, a stretch of 503s, degraded answers after it, and every fifth a create.
 */
import type { Sample } from '../lib/stats';

export const syntheticSamples = (): Sample[] =>
  Array.from({ length: 300 }, (_, i) => ({
    t: i * 20,
    latencyMs: i > 100 && i < 150 ? 200 + i : 2 + (i % 7),
    status: i > 120 && i < 140 ? 503 : 200,
    ok: !(i > 120 && i < 140),
    ...(i >= 140 && i < 160 ? { partial: true } : {}),
    kind: i % 5 === 0 ? 'create' : 'read',
  }));
