/**
 * `npm run bench:profile`: where the time goes in our gateway for the aggregated view. Starts
 * the seeded stack with `node --cpu-prof` on the gateway and the three subgraphs, puts the
 * usual autocannon load on one gateway route, stops the processes gracefully (which writes the
 * profiles) and prints the summary of each (bench/profile-summary.ts) for the load window.
 *
 * Options: --route graphql|rest (default graphql)  --shape view|page|hot (GraphQL; default view)
 *          --duration 10  --connections 10  --accounts 15000
 *          --tsx (profile the TypeScript sources under tsx)  --experiment <name> (preload bench/experiments/<name>.ts into the gateway)
 * Profiles: bench/results/profiles/<shape, or rest>-<timestamp>/<service>.cpuprofile (main thread; open in Chrome DevTools).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS } from '../platform/config';
import { usageFailure, type CommandSpec } from '../tools/cli';
import { num, opt, parseArgs, str, UsageError } from './lib/args';
import { buildCompiled } from './lib/build';
import { startBenchCluster } from './lib/cluster';
import { waitQuiet } from './lib/proc';
import { startStack } from './lib/services';
import { runLoad } from './load/autocannon';
import { SHAPES, type Shape } from './load/spec';
import { formatSummary, summarizeProfile, type CpuProfile } from './profile-summary';

/** The main thread's profile in a service's folder (thread id 0), copied to <folder>.cpuprofile. */
function mainThreadProfile(folder: string): string | undefined {
  const files = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) : [];
  if (files.length === 0) return undefined;
  const target = `${folder}.cpuprofile`;
  fs.copyFileSync(path.join(folder, files[0]!), target);
  return target;
}

const COMMAND = {
  script: 'bench:profile',
  summary: `Where the time goes in our gateway: the seeded stack under node --cpu-prof with autocannon
load on one route and shape; profiles in bench/results/profiles/<shape, or rest>-<timestamp>/.`,
  options: {
    route: opt('graphql|rest', 'the route loaded (default graphql)'),
    shape: opt('view|page|hot', 'what GraphQL requests ask (bench/load/spec.ts; default view)'),
    duration: opt('S', 'seconds of load (default 10)'),
    connections: opt('N', 'autocannon connections (default 10)'),
    accounts: opt('N', 'seeded accounts (default 15000)'),
    tsx: { type: 'boolean', help: 'profile the TypeScript sources under tsx' },
    experiment: opt('NAME', 'preload bench/experiments/<name>.ts into the gateway'),
  },
  exitCodes: { 0: 'profiled', 1: 'failed' },
} satisfies CommandSpec;

async function main(): Promise<void> {
  const args = parseArgs(COMMAND);
  const route = str(args, 'route') ?? 'graphql';
  if (route !== 'graphql' && route !== 'rest') throw new UsageError('--route must be graphql or rest');
  const shape = (str(args, 'shape') ?? 'view') as Shape;
  if (!SHAPES.includes(shape)) throw new UsageError(`--shape must be one of ${SHAPES.join(', ')}`);
  if (route === 'rest' && shape !== 'view') throw new UsageError('--shape: the REST route has the view only');
  const durationS = num(args, 'duration', 10, 2, 120);
  const connections = num(args, 'connections', 10, 1, 200);
  const accounts = num(args, 'accounts', 15_000, 100, 1_000_000);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(__dirname, 'results', 'profiles', `${route === 'graphql' ? shape : route}-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  // One folder per service, default file names: tsx's loader hooks run on a second thread,
  // which writes its own profile (CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile).
  const prof = (name: string) => ['--cpu-prof', '--cpu-prof-dir', path.join(dir, name)];
  const build = args.flags.get('tsx') === true ? undefined : buildCompiled((m) => console.log(m));
  const experiment = str(args, 'experiment');
  const preload = experiment
    ? build
      ? ['--require', path.join(build.dir, 'bench', 'experiments', `${experiment}.js`)]
      : ['--import', path.join(__dirname, 'experiments', `${experiment}.ts`)]
    : [];
  const cluster = await startBenchCluster(accounts, (m) => console.log(m));
  let loadEndedAt = 0;
  let stoppedAt = 0;
  try {
    const stack = await startStack({
      urls: cluster.urls,
      logDir: path.join(dir, 'logs'),
      relay: false,
      nodeArgs: {
        gateway: [...preload, ...prof('gateway')],
        account: prof('account-subgraph'),
        data: prof('data-subgraph'),
        image: prof('image-subgraph'),
      },
      build: build?.dir,
    });
    try {
      const spec = {
        baseUrl: stack.gateway.baseUrl,
        kind: route,
        shape,
        path: route === 'graphql' ? '/graphql' : '/accounts/',
        ids: cluster.ids,
        connections,
        durationS,
        warmupS: 0,
      } as const;
      // Warm-up (JIT, pools) first; the summaries cover only the measured run and the stop.
      await runLoad({ ...spec, durationS: 15 });
      await waitQuiet(120_000);
      const result = await runLoad(spec);
      loadEndedAt = performance.now();
      console.log(
        `${route} ${route === 'graphql' ? shape : 'view'}: ${result.rps.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms (under the profiler)`,
      );
    } finally {
      await stack.stop();
      stoppedAt = performance.now();
    }
  } finally {
    await cluster.stop();
    build?.remove();
  }
  // The profiles end when each process exits: skip the shutdown, keep the measured load.
  const tailS = (stoppedAt - loadEndedAt) / 1000;
  for (const name of ['gateway', ...CONTEXTS.map((c) => `${c}-subgraph`)]) {
    const file = mainThreadProfile(path.join(dir, name));
    if (!file) {
      console.log(`${name}: no profile written`);
      continue;
    }
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    const summary = summarizeProfile(profile, { top: 20, lastMs: (durationS + tailS) * 1000, exclude: ['writev'] });
    fs.writeFileSync(path.join(dir, `${name}.summary.json`), JSON.stringify(summary, null, 2));
    console.log(`\n${formatSummary(name, summary)}`);
  }
  console.log(`\nprofiles in ${path.relative(process.cwd(), dir)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? usageFailure(COMMAND, err.message) : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
