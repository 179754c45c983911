/**
 * One target's turn in `npm run bench` on one shape of request (load/spec.ts: the aggregated
 * view, a page at a random offset, the hot document). First turn: its answer compared with our
 * gateway's; on the view also its SQL statements per request counted and a fixed-rate run. Every turn (one per round): a
 * throughput run with autocannon in its own process, after waiting for an idle CPU, with the
 * CPU each process used per request (from /proc) and the CPU anything else used meanwhile.
 * Rounds keep the best throughput run: on a shared machine the best is the least disturbed.
 */
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { CONTEXTS } from '../platform/config';
import type { BenchCluster } from './lib/cluster';
import {
  cpuDiff,
  cpuSnapshot,
  machineBusyMs,
  peakRssMiB,
  postgresPids,
  waitQuiet,
  type CpuSnapshot,
  type ProcessGroups,
} from './lib/proc';
import { runLoad } from './load/autocannon';
import type { LoadResult, LoadSpec, Shape } from './load/spec';
import { aggregatedStatements } from './statements';
import { fetchOne, type Target, type TargetContext } from './targets';

export interface ThroughputRun {
  round: number;
  throughput: LoadResult;
  /** CPU ms per request during the measured run, per process ('load generator' included). */
  cpuMsPerRequest: Record<string, number>;
  /** CPU anything else on the machine used during the run, in % of one core (should be near 0). */
  foreignCpuPct: number;
}

export interface TargetResult extends ThroughputRun {
  /** The target's id, with `:page` or `:hot` for those shapes. */
  id: string;
  target: string;
  shape: Shape;
  label: string;
  sameAnswerAsOurs: boolean;
  /** Every round's run; the fields above are the best one's. */
  runs: ThroughputRun[];
  /** autocannon at a fixed overall rate over one connection: each second's requests back to back (the view only). */
  fixedRate?: LoadResult;
  /** The same rate paced evenly, open loop (load/paced-child.ts; the view only). */
  pacedRate?: LoadResult;
  statementsPerRequest: Record<string, number>;
  peakRssMiB: number;
}

export interface MeasureConfig {
  durationS: number;
  warmupS: number;
  connections: number;
  rate: number;
  rateDurationS: number;
  quietWaitS: number;
}

export type Log = (msg: string) => void;

/** Waits (bounded) for an idle machine, saying so every 10 s. */
export async function quiet(id: string, maxS: number, log: Log): Promise<void> {
  let lastNote = 0;
  const waited = await waitQuiet(maxS * 1000, 3, 0.25, (busy) => {
    if (Date.now() - lastNote < 10_000) return;
    lastNote = Date.now();
    log(`${id}: waiting for a quiet machine (${(busy * 100).toFixed(0)}% of a core busy elsewhere)`);
  });
  if (waited < 0)
    log(`${id}: WARNING the machine never got quiet; measuring anyway (see "foreign CPU" in the results)`);
}

async function throughputRun(spec: LoadSpec, procs: ProcessGroups, round: number): Promise<ThroughputRun> {
  let before: CpuSnapshot = {};
  let machineBefore = 0;
  const throughput = await runLoad(spec, () => ((before = cpuSnapshot(procs)), (machineBefore = machineBusyMs())));
  const used = cpuDiff(before, cpuSnapshot(procs));
  const ours = Object.values(used).reduce((a, b) => a + b, 0) + throughput.loadGeneratorCpuMs;
  const foreignCpuPct = Math.max(0, (100 * (machineBusyMs() - machineBefore - ours)) / (throughput.elapsedS * 1000));
  const cpuMsPerRequest = Object.fromEntries(
    [...Object.entries(used), ['load generator', throughput.loadGeneratorCpuMs] as const].map(([k, v]) => [
      k,
      v / throughput.requests,
    ]),
  );
  return { round, throughput, cpuMsPerRequest, foreignCpuPct };
}

/** The result id of a target on a shape: the target's id for the view, `<id>:<shape>` otherwise. */
export const resultId = (target: string, shape: Shape) => (shape === 'view' ? target : `${target}:${shape}`);

/** One turn of `target`; `previous` is its result from earlier rounds (then only throughput is measured). */
export async function measure(
  target: Target,
  shape: Shape,
  ctx: TargetContext,
  cluster: BenchCluster,
  cfg: MeasureConfig,
  round: number,
  first: { reference: unknown; sampleId: string } | undefined,
  previous: TargetResult | undefined,
  log: Log,
): Promise<TargetResult> {
  const id = resultId(target.id, shape);
  log(`${id}: round ${round} (${target.label}, ${shape}); load average ${(os.loadavg()[0] ?? 0).toFixed(2)}`);
  const running = await target.start(ctx);
  try {
    const baseUrl = running.service.baseUrl;
    const procs: ProcessGroups = {
      [running.service.name]: running.service.pid,
      ...Object.fromEntries(CONTEXTS.map((c) => [`${c}-subgraph`, ctx.stack.subgraphs[c].pid])),
      postgres: () => postgresPids(cluster.dataDir),
    };
    const spec: LoadSpec = {
      baseUrl,
      kind: target.kind,
      shape,
      path: target.path,
      ids: cluster.ids,
      connections: cfg.connections,
      durationS: cfg.durationS,
      warmupS: cfg.warmupS,
    };
    let sameAnswerAsOurs = previous?.sameAnswerAsOurs ?? false;
    let statementsPerRequest = previous?.statementsPerRequest ?? {};
    if (first) {
      sameAnswerAsOurs = isDeepStrictEqual(await fetchOne(baseUrl, target, first.sampleId, shape), first.reference);
      if (!sameAnswerAsOurs) log(`${id}: WARNING its answer differs from our gateway's for id ${first.sampleId}`);
      if (shape === 'view')
        statementsPerRequest = await aggregatedStatements(cluster.adminUrl, target, baseUrl, cluster.ids);
    }
    await quiet(id, cfg.quietWaitS, log);
    const run = await throughputRun(spec, procs, round);
    const t = run.throughput;
    log(
      `${id}: ${t.rps.toFixed(0)} req/s, p50 ${t.latencyMs.p50.toFixed(2)} ms, p99 ${t.latencyMs.p99.toFixed(2)} ms (other work: ${run.foreignCpuPct.toFixed(0)}% of a core)`,
    );
    let fixedRate = previous?.fixedRate;
    let pacedRate = previous?.pacedRate;
    if (!fixedRate && shape === 'view') {
      await quiet(id, cfg.quietWaitS, log);
      // One connection: autocannon sends each second's requests one after the other, then waits
      // for the next second, so this is the latency of a request at that rate on a server
      // kept busy meanwhile, without queueing behind the load generator's own.
      fixedRate = await runLoad({
        ...spec,
        connections: 1,
        overallRate: cfg.rate,
        durationS: cfg.rateDurationS,
        warmupS: 1,
      });
      // The same rate evenly paced, open loop: every request meets processes that have been idle
      // since the last one (what a user at a quiet hour meets).
      await quiet(id, cfg.quietWaitS, log);
      pacedRate = await runLoad(
        { ...spec, connections: 1, overallRate: cfg.rate, durationS: cfg.rateDurationS, warmupS: 1 },
        undefined,
        true,
      );
      log(
        `${id}: at ${cfg.rate} req/s in 1-s bursts p50 ${fixedRate.latencyMs.p50.toFixed(2)} ms, p99 ${fixedRate.latencyMs.p99.toFixed(2)} ms; ` +
          `paced p50 ${pacedRate.latencyMs.p50.toFixed(2)} ms, p99 ${pacedRate.latencyMs.p99.toFixed(2)} ms`,
      );
    }
    const runs = [...(previous?.runs ?? []), run];
    const best = runs.reduce((a, b) => (b.throughput.rps > a.throughput.rps ? b : a));
    const peak = Math.max(previous?.peakRssMiB ?? 0, peakRssMiB(running.service.pid));
    return {
      ...best,
      id,
      target: target.id,
      shape,
      label: target.label,
      sameAnswerAsOurs,
      runs,
      fixedRate,
      pacedRate,
      statementsPerRequest,
      peakRssMiB: peak,
    };
  } finally {
    await running.stop();
  }
}
