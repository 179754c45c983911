/**
 * `npm run bench`: the aggregated account view, a page of accounts at a random offset and the
 * hot document (load/spec.ts shapes), measured against the same seeded data on the same
 * machine, target after target (bench/targets.ts), rounds interleaved: req/s and p50/p95/p99 with
 * autocannon (its own process, fixed duration after a warm-up, random seeded ids), a
 * fixed-rate run at 50 req/s, CPU per request and peak RSS per process, SQL statements per
 * request. Prints a table with the ratios against their targets (within each round: median and
 * spread over the rounds) and writes
 * bench/results/latest.json (and latest.md, for BENCHMARKS.md).
 *
 * Options: --accounts 15000 --duration 10 --warmup 5 --connections 10 --rate 50
 *          --rate-duration 10 --rounds 3 (best of) --stack-warmup 20 (s, JIT and pools)
 *          --quiet-wait 180 (s to wait for an idle CPU before each run)
 *          --targets ours-graphql,ours-rest,stock-graphql,hive-js-graphql,hive-rust-graphql,grafbase-graphql,fanout-rest,limit-rest
 *          --shapes view,page,hot (page and hot: GraphQL targets only)
 *          --secret: production mode with SUBGRAPH_SECRET (signed subgraph requests, as `npm start`
 *          runs); only our gateway's targets then, since the stock gateway and the fan-out do not sign.
 *          --render bench/results/<file>.json: print and rewrite the tables of an earlier run, nothing measured
 *          --tsx: run the services' TypeScript through tsx instead of the compiled build (bench/lib/build.ts)
 *          --experiment <name>[,...]: preload bench/experiments/<name>.ts into our gateway and the
 *          bench's own servers (a proposal measured without editing product code); the results go
 *          to bench/results/experiment-<names>.json, latest.json is left alone.
 *          A run of some targets or shapes only writes bench/results/partial.json (and .md), --secret
 *          secret.json; only a whole run replaces latest.json.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS } from '../platform/config';
import { usageFailure, type CommandSpec } from '../tools/cli';
import { num, opt, parseArgs, str, UsageError } from './lib/args';
import { buildCompiled } from './lib/build';
import { startBenchCluster } from './lib/cluster';
import { machine } from './lib/machine';
import { peakRssMiB } from './lib/proc';
import { startStack } from './lib/services';
import { runLoad } from './load/autocannon';
import { SHAPES, type Shape } from './load/spec';
import { measure, resultId, type TargetResult } from './measure';
import { RESULTS, writeBenchReport, type BenchOutput } from './report/bench-report';
import { pageStatements, type PageStatements } from './statements';
import { fetchOne, TARGETS, type TargetContext } from './targets';

const log = (msg: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const COMMAND = {
  script: 'bench',
  summary: `Our gateway against its peers on the same seeded data (targets after one another, rounds
interleaved): req/s, latency percentiles, a fixed-rate run, CPU and peak RSS per process, SQL
statements per request. Writes bench/results/latest.json and latest.md (a partial run: partial.json).`,
  options: {
    accounts: opt('N', 'seeded accounts (default 15000)'),
    duration: opt('S', 'seconds of measured load per run (default 10)'),
    warmup: opt('S', 'seconds of unmeasured load first (default 5)'),
    connections: opt('N', 'autocannon connections (default 10)'),
    rate: opt('N', 'requests per second of the fixed-rate run (default 50)'),
    'rate-duration': opt('S', 'seconds of the fixed-rate run (default 10)'),
    rounds: opt('N', 'rounds, interleaved; medians and spread over them (default 3)'),
    'stack-warmup': opt('S', 'seconds to warm a stack (JIT, pools) before it is measured (default 20)'),
    'quiet-wait': opt('S', 'seconds to wait at most for an idle CPU before each run (default 180)'),
    targets: opt('A,B', `targets to measure (default all): ${TARGETS.map((t) => t.id).join(', ')}`),
    shapes: opt('A,B', `request shapes (default all): ${SHAPES.join(', ')} (page and hot: GraphQL targets only)`),
    secret: {
      type: 'boolean',
      help: "production mode with SUBGRAPH_SECRET (signed subgraph requests); our gateway's targets only",
    },
    render: opt('FILE', 'print and rewrite the tables of an earlier run (bench/results/<file>.json); nothing measured'),
    tsx: { type: 'boolean', help: "run the services' TypeScript through tsx instead of the compiled build" },
    experiment: opt(
      'NAME,...',
      'preload bench/experiments/<name>.ts into our gateway and the servers; results to experiment-<names>.json',
    ),
  },
  exitCodes: { 0: 'measured', 1: 'failed' },
} satisfies CommandSpec;

async function main(): Promise<void> {
  const args = parseArgs(COMMAND);
  const render = str(args, 'render');
  if (render) return writeBenchReport(JSON.parse(fs.readFileSync(render, 'utf8')) as BenchOutput, log);
  const secret = args.flags.get('secret') === true;
  const cfg = {
    accounts: num(args, 'accounts', 15_000, 100, 1_000_000),
    durationS: num(args, 'duration', 10, 1, 120),
    warmupS: num(args, 'warmup', 5, 0, 60),
    connections: num(args, 'connections', 10, 1, 200),
    rate: num(args, 'rate', 50, 1, 5_000),
    rateDurationS: num(args, 'rate-duration', 10, 1, 120),
    quietWaitS: num(args, 'quiet-wait', 180, 0, 1_800),
    rounds: num(args, 'rounds', 3, 1, 5),
    stackWarmupS: num(args, 'stack-warmup', 20, 0, 120),
  };
  const wanted =
    str(args, 'targets')?.split(',') ?? TARGETS.map((t) => t.id).filter((id) => !secret || id.startsWith('ours'));
  if (secret && wanted.some((id) => !id.startsWith('ours')))
    throw new UsageError(
      '--secret measures only our gateway (ours-graphql, ours-rest): the others do not sign requests',
    );
  const unknown = wanted.filter((w) => !TARGETS.some((t) => t.id === w));
  if (unknown.length)
    throw new UsageError(`unknown target ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  const targets = TARGETS.filter((t) => wanted.includes(t.id));
  const shapes = (str(args, 'shapes')?.split(',') ?? [...SHAPES]) as Shape[];
  const badShape = shapes.filter((x) => !SHAPES.includes(x));
  if (badShape.length) throw new UsageError(`unknown shape ${badShape.join(', ')}; known: ${SHAPES.join(', ')}`);
  // Every target on every shape it takes (REST: the view only), interleaved in each round.
  const turns = targets.flatMap((t) =>
    shapes.filter((x) => x === 'view' || t.kind === 'graphql').map((shape) => ({ target: t, shape })),
  );
  const experiments = str(args, 'experiment')?.split(',') ?? [];
  for (const e of experiments)
    if (!fs.existsSync(path.join(__dirname, 'experiments', `${e}.ts`)))
      throw new UsageError(`no experiment bench/experiments/${e}.ts`);
  const build = args.flags.get('tsx') === true ? undefined : buildCompiled(log);
  // Compiled: the experiment's .js is a CommonJS preload; with tsx its .ts is imported after tsx.
  const preload = experiments.flatMap((e) =>
    build
      ? ['--require', path.join(build.dir, 'bench', 'experiments', `${e}.js`)]
      : ['--import', path.join(__dirname, 'experiments', `${e}.ts`)],
  );
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(RESULTS, 'logs', stamp);
  const host = machine();
  log(
    `${host.nproc} cores (${host.cpuModel}), node ${host.node}; service logs in ${path.relative(process.cwd(), logDir)}`,
  );

  const cluster = await startBenchCluster(cfg.accounts, log).catch((err: unknown) => {
    build?.remove();
    throw err;
  });
  const results = new Map<string, TargetResult>();
  let page: PageStatements = [];
  let subgraphRss: Record<string, number> = {};
  try {
    const env: Record<string, string> = secret
      ? { NODE_ENV: 'production', SUBGRAPH_SECRET: randomBytes(32).toString('hex') }
      : {};
    const stack = await startStack({
      urls: cluster.urls,
      logDir,
      relay: false,
      env,
      nodeArgs: { gateway: preload },
      build: build?.dir,
    });
    log(`subgraphs and our gateway up (separate processes): gateway ${stack.gateway.baseUrl}`);
    try {
      page = await pageStatements(cluster.adminUrl, `${stack.gateway.baseUrl}/graphql`);
      const sampleId = String(cluster.ids.first + (4242 % cluster.ids.count));
      const reference = new Map<string, unknown>();
      for (const { target, shape } of turns) {
        const key = `${target.kind}:${shape}`;
        const t = TARGETS.find((x) => x.kind === target.kind && x.id.startsWith('ours'))!;
        if (!reference.has(key)) reference.set(key, await fetchOne(stack.gateway.baseUrl, t, sampleId, shape));
      }
      // Warm up the subgraphs, PostgreSQL and our gateway (JIT, pools, caches) before anything counts.
      log(`warming up the stack for ${cfg.stackWarmupS} s`);
      for (const kind of ['graphql', 'rest'] as const) {
        const path = kind === 'graphql' ? '/graphql' : '/accounts/';
        await runLoad({
          baseUrl: stack.gateway.baseUrl,
          kind,
          path,
          ids: cluster.ids,
          connections: cfg.connections,
          durationS: Math.max(1, Math.round(cfg.stackWarmupS / 2)),
          warmupS: 0,
        });
      }
      const ctx: TargetContext = { stack, urls: cluster.urls, logDir, nodeArgs: preload, build: build?.dir };
      for (let round = 1; round <= cfg.rounds; round++) {
        for (const { target, shape } of turns) {
          const first = round === 1 ? { reference: reference.get(`${target.kind}:${shape}`), sampleId } : undefined;
          const id = resultId(target.id, shape);
          results.set(id, await measure(target, shape, ctx, cluster, cfg, round, first, results.get(id), log));
        }
      }
      subgraphRss = Object.fromEntries(CONTEXTS.map((c) => [`${c}-subgraph`, peakRssMiB(stack.subgraphs[c].pid)]));
    } finally {
      await stack.stop();
    }
  } finally {
    await cluster.stop();
    build?.remove();
  }
  writeBenchReport(
    {
      machine: host,
      config: {
        ...cfg,
        targets: wanted,
        shapes,
        secret,
        experiments,
        // A subset of the targets or shapes is not a run of the bench: kept out of latest.json.
        partial: wanted.length < TARGETS.length || shapes.length < SHAPES.length,
        runtime: build ? 'compiled JavaScript on node' : 'TypeScript through tsx',
        seeded: cluster.seeded,
      },
      results: [...results.values()],
      page,
      subgraphRss,
      stamp,
    },
    log,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? usageFailure(COMMAND, err.message) : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
