/**
 * `freeze-subgraph`: does sharing work make a hung subgraph worse? (issue #22: with coalescing
 * on, requests that joined a query in flight waited for it to fail, then each ran again.) The
 * stack's gateway (coalescing and dedup on, the defaults) and a second gateway process with
 * GATEWAY_COALESCE=false, over the same subgraphs, get the same open-loop load of one hot
 * document (GET /accounts/{id}: the account, its events, its image), interleaved; partway,
 * --subgraph (e.g. data) is frozen with SIGSTOP for --down seconds (15 in the issue), then
 * thawed. Reported per gateway, for the requests due during the freeze: p50, p90 and max
 * latency, failures and degraded (partial) answers. A measurement for BENCHMARKS/docs, not a check.
 *
 *   npm run loadtest -- freeze-subgraph --subgraph data --down 15 --fault-at 5 --rate 50
 */
import os from 'node:os';
import path from 'node:path';
import { runOpenLoop } from '../load/open-loop';
import { startGatewayVariant } from '../lib/services';
import { percentile, type Sample } from '../lib/stats';
import { readAccount, sleep, type Scenario } from './common';

const ON = 'coalescing on';
const OFF = 'coalescing off';

function during(samples: readonly Sample[], kind: string, from: number, to: number) {
  const mine = samples.filter((s) => s.kind === kind && s.t >= from && s.t < to);
  const latencies = mine.map((s) => s.latencyMs).sort((a, b) => a - b);
  const ms = (v: number) => Math.round(v);
  return {
    requests: mine.length,
    failed: mine.filter((s) => !s.ok).length,
    degraded: mine.filter((s) => s.partial).length,
    'p50 / p90 / max (ms)': `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 90))} / ${ms(percentile(latencies, 100))}`,
  };
}

export const freezeSubgraph: Scenario = async (ctx) => {
  const stack = ctx.stack!;
  const plain = await startGatewayVariant(
    stack,
    'gateway-nocoalesce',
    { GATEWAY_COALESCE: 'false' },
    { logDir: path.join(os.tmpdir(), `freeze-subgraph-${process.pid}`), build: ctx.build },
  );
  const frozen = stack.subgraphs[ctx.subgraph];
  const hot = String(ctx.ids.first);
  // A failure is recorded under its gateway too (the open loop's own record of a rejection has no kind).
  const send = (base: string, kind: string) => async (): Promise<Omit<Sample, 't' | 'latencyMs'>> => {
    try {
      return { ...(await readAccount(base, hot)), kind };
    } catch (err) {
      return { status: 0, ok: false, kind, error: (err as Error).message };
    }
  };
  try {
    // The second gateway starts after the load's clock did: warm it up, then count from now.
    await runOpenLoop({ streams: [{ rate: ctx.rate, send: send(plain.baseUrl, OFF) }], durationMs: 3_000 });
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    ctx.live.phase('before the freeze');
    const load = runOpenLoop({
      streams: [
        { rate: ctx.rate, send: send(ctx.base, ON) },
        { rate: ctx.rate, offsetMs: 500 / ctx.rate, send: send(plain.baseUrl, OFF) },
      ],
      durationMs: ctx.durationMs,
      startedAt: t0,
      onSample: ctx.live.add,
    });
    await sleep(ctx.faultAtMs - now());
    const faultAt = now();
    frozen.child.kill('SIGSTOP');
    ctx.live.phase(`${ctx.subgraph} frozen`);
    await sleep(faultAt + ctx.downMs - now());
    const thawAt = now();
    frozen.child.kill('SIGCONT');
    ctx.live.phase('after the freeze');
    const samples = await load;
    return {
      samples,
      marks: [
        { t: faultAt, label: `${ctx.subgraph} frozen (SIGSTOP)` },
        { t: thawAt, label: 'thawed' },
      ],
      windows: [{ from: faultAt, to: thawAt, label: `${ctx.subgraph} frozen` }],
      headline: {
        fault: `${ctx.subgraph} subgraph frozen ${(thawAt - faultAt) / 1000} s`,
        'rate per gateway (req/s)': ctx.rate,
        [`${ON}, during the freeze`]: during(samples, ON, faultAt, thawAt),
        [`${OFF}, during the freeze`]: during(samples, OFF, faultAt, thawAt),
        [`${ON}, before`]: during(samples, ON, 0, faultAt),
        [`${OFF}, before`]: during(samples, OFF, 0, faultAt),
      },
    };
  } finally {
    frozen.child.kill('SIGCONT');
    await plain.stop();
  }
};
