/**
 * `kill-subgraph` and `kill-db`: the steady load, with a fault partway. kill-subgraph
 * SIGKILLs one subgraph process (a crash) and starts it again on its port after --down
 * seconds; kill-db makes the data database refuse connections (ALLOW_CONNECTIONS false,
 * its backends terminated) and allows them again after --down seconds. Both report failed
 * and degraded answers, the latency spike and the time to recover after the restore.
 */
import { runOpenLoop } from '../load/open-loop';
import { allowConnections, refuseConnections } from '../lib/cluster';
import type { Mark } from '../report/chart';
import { analyzeFault, randomId, readAccount, sleep, type Scenario, type ScenarioContext } from './common';

interface Fault {
  label: string;
  inject(ctx: ScenarioContext): Promise<void>;
  /** Undoes the fault; resolves when it is undone, with extra marks (e.g. "healthy again"). */
  restore(ctx: ScenarioContext): Promise<Mark[]>;
}

function withFault(fault: (ctx: ScenarioContext) => Fault): Scenario {
  return async (ctx) => {
    const f = fault(ctx);
    const marks: Mark[] = [];
    ctx.live.phase('before the fault');
    const load = runOpenLoop({
      streams: [{ rate: ctx.rate, send: () => readAccount(ctx.base, randomId(ctx.ids)) }],
      durationMs: ctx.durationMs,
      startedAt: ctx.t0,
      onSample: ctx.live.add,
    });
    await sleep(ctx.faultAtMs - ctx.now());
    const faultAt = ctx.now();
    await f.inject(ctx);
    marks.push({ t: faultAt, label: f.label });
    ctx.live.phase(f.label);
    await sleep(faultAt + ctx.downMs - ctx.now());
    const restoreAt = ctx.now();
    marks.push({ t: restoreAt, label: 'restore' });
    ctx.live.phase('restoring');
    const more = await f.restore(ctx);
    marks.push(...more);
    ctx.live.phase('after the fault');
    const samples = await load;
    const a = analyzeFault(samples, faultAt, restoreAt);
    return {
      samples,
      marks,
      windows: [{ from: faultAt, to: restoreAt, label: f.label }],
      headline: {
        fault: f.label,
        'rate (req/s)': ctx.rate,
        'fault at (s)': faultAt / 1000,
        'down (s)': (restoreAt - faultAt) / 1000,
        requests: a.requests,
        failed: a.failed,
        degraded: a.degraded,
        'p50 / p99 before the fault (ms)': `${a.before.p50.toFixed(1)} / ${a.before.p99.toFixed(1)}`,
        'worst 1-s p99 from the fault on (ms)': a.spike.worstSecondP99,
        'max latency from the fault on (ms)': a.spike.max,
        ...Object.fromEntries(more.map((m) => [`${m.label} (s after restore)`, (m.t - restoreAt) / 1000])),
        'first complete answer after restore (ms)': a.recovery.firstCompleteAfterRestoreMs,
        'all answers complete from (ms after restore)': a.recovery.allCompleteAfterRestoreMs,
        'failures by kind': a.failureKinds,
      },
      details: { analysis: a },
    };
  };
}

export const killSubgraph = withFault((ctx) => {
  const stack = ctx.stack!;
  return {
    label: `${ctx.subgraph} subgraph killed (SIGKILL)`,
    inject: () => stack.subgraphs[ctx.subgraph].kill('SIGKILL'),
    restore: async () => {
      await stack.restartSubgraph(ctx.subgraph);
      return [{ t: ctx.now(), label: `${ctx.subgraph} subgraph healthy` }];
    },
  };
});

export const killDb = withFault((ctx) => {
  const admin = ctx.cluster!.adminUrl;
  return {
    label: 'data database refusing connections',
    inject: () => refuseConnections(admin, 'data'),
    restore: async () => {
      await allowConnections(admin, 'data');
      return [];
    },
  };
});
