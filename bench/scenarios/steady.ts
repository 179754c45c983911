/** `steady`: GET /accounts/{id} for random seeded ids at a fixed rate (open loop). */
import { runOpenLoop } from '../load/open-loop';
import { summarize } from '../lib/stats';
import { randomId, readAccount, type Scenario } from './common';

export const steady: Scenario = async (ctx) => {
  ctx.live.phase(`steady ${ctx.rate} req/s`);
  const samples = await runOpenLoop({
    streams: [{ rate: ctx.rate, send: () => readAccount(ctx.base, randomId(ctx.ids)) }],
    durationMs: ctx.durationMs,
    startedAt: ctx.t0,
    onSample: ctx.live.add,
  });
  const lat = summarize(samples.map((s) => s.latencyMs));
  return {
    samples,
    headline: {
      'target rate (req/s)': ctx.rate,
      'achieved (answers/s)': samples.length / (ctx.durationMs / 1000),
      requests: samples.length,
      failed: samples.filter((s) => !s.ok).length,
      degraded: samples.filter((s) => s.partial).length,
      'p50 ms': lat.p50,
      'p95 ms': lat.p95,
      'p99 ms': lat.p99,
      'max ms': lat.max,
    },
  };
};
