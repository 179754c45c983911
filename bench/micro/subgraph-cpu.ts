/**
 * MICROBENCHMARK: the subgraphs' own CPU per aggregated view, compiled execution
 * (subgraphs/kit/compiled-executor.ts) against graphql-js. Two complete stacks (three subgraphs
 * and a gateway each, compiled build, plain node) over one seeded cluster: one with
 * SUBGRAPH_COMPILED_EXECUTION=false, one with the default; autocannon puts the aggregated view
 * (random seeded id) on each gateway in turn, rounds interleaved. What counts is the CPU time
 * each subgraph process used (/proc) divided by the views served in that run: robust against
 * other load on a shared machine, unlike req/s. Ratios are taken within each round.
 * `npx tsx bench/micro/subgraph-cpu.ts [--rounds 5] [--duration 8] [--accounts 2000] [--shape view|page|hot] [--same]`
 * (--same: both stacks on the default setting, to see the noise between two identical stacks)
 */
import os from 'node:os';
import path from 'node:path';
import { CONTEXTS } from '../../platform/config';
import { num, microArgs, str, opt } from '../lib/args';
import { buildCompiled } from '../lib/build';
import { startBenchCluster } from '../lib/cluster';
import type { ProcessGroups } from '../lib/proc';
import { startStack, type Stack } from '../lib/services';
import { graphqlCpuPerRequest } from '../load/autocannon';
import { SHAPES, type Shape } from '../load/spec';

type Row = { rps: number; p99: number; errors: number; gateway: number; subgraphs: Record<string, number> };

async function round(
  stack: Stack,
  ids: { first: number; count: number },
  durationS: number,
  shape: Shape = 'view',
): Promise<Row> {
  const procs: ProcessGroups = {
    gateway: stack.gateway.pid,
    ...Object.fromEntries(CONTEXTS.map((c) => [c, stack.subgraphs[c].pid])),
  };
  const { result, cpuMs } = await graphqlCpuPerRequest(stack.gateway.baseUrl, shape, ids, durationS, procs);
  return {
    rps: result.rps,
    p99: result.latencyMs.p99,
    errors: result.errors + result.non2xx + result.mismatches,
    gateway: cpuMs.gateway ?? 0,
    subgraphs: Object.fromEntries(CONTEXTS.map((c) => [c, cpuMs[c] ?? 0])),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], digits = 2) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
const total = (r: Row) => Object.values(r.subgraphs).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const args = microArgs('subgraph-cpu', {
    accounts: opt('N', 'seeded accounts'),
    same: { type: 'boolean', help: 'both stacks on the default setting (the noise between two identical stacks)' },
    shape: opt('view|page|hot', 'the request shape'),
  });
  const rounds = num(args, 'rounds', 5, 1, 20);
  const duration = num(args, 'duration', 8, 1, 60);
  const accounts = num(args, 'accounts', 2_000, 100, 1_000_000);
  const same = args.flags.get('same') === true;
  const shape = (str(args, 'shape') ?? 'view') as Shape;
  if (!SHAPES.includes(shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
  const build = buildCompiled((m) => console.log(m));
  const cluster = await startBenchCluster(accounts, (m) => console.log(m));
  const logDir = path.join(os.tmpdir(), 'account-graph-subgraph-cpu-bench');
  const stacks: Record<string, Stack> = {};
  try {
    stacks['graphql-js'] = await startStack({
      urls: cluster.urls,
      logDir: path.join(logDir, 'graphql-js'),
      relay: false,
      build: build.dir,
      env: same ? {} : { SUBGRAPH_COMPILED_EXECUTION: 'false' },
    });
    stacks.compiled = await startStack({
      urls: cluster.urls,
      logDir: path.join(logDir, 'compiled'),
      relay: false,
      build: build.dir,
    });
    for (const s of Object.values(stacks)) await round(s, cluster.ids, 5, shape); // warm-up (JIT, pools, compilation)
    const rows: Record<string, Row[]> = Object.fromEntries(Object.keys(stacks).map((k) => [k, []]));
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      loads.push(os.loadavg()[0] ?? 0);
      for (const [name, s] of Object.entries(stacks)) rows[name]!.push(await round(s, cluster.ids, duration, shape));
    }
    console.log(
      `\n${shape === 'view' ? 'aggregated view' : shape}, random ids over ${accounts} accounts, 10 connections, ${rounds} rounds of ${duration} s, interleaved; ` +
        `load average at the rounds' start ${spread(loads, 1)}${same ? ' (--same: both stacks compiled)' : ''}`,
    );
    console.log('CPU ms per request, median (min–max) over the rounds:');
    for (const [name, rs] of Object.entries(rows)) {
      const parts = CONTEXTS.map(
        (c) =>
          `${c} ${spread(
            rs.map((x) => x.subgraphs[c]!),
            3,
          )}`,
      ).join(', ');
      console.log(
        `${name.padEnd(11)} subgraphs ${spread(rs.map(total), 3)} [${parts}], gateway ${spread(
          rs.map((x) => x.gateway),
          3,
        )}; req/s ${spread(
          rs.map((x) => x.rps),
          0,
        )}, p99 ${median(rs.map((x) => x.p99)).toFixed(1)} ms, errors ${rs.reduce((a, x) => a + x.errors, 0)}`,
      );
    }
    const ratio = rows.compiled!.map((x, i) => total(x) / total(rows['graphql-js']![i]!));
    console.log(`subgraph CPU per request, compiled / graphql-js in the same round: ×${spread(ratio)}`);
  } finally {
    for (const s of Object.values(stacks)) await s.stop();
    await cluster.stop();
    build.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
