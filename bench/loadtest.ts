/**
 * `npm run loadtest -- <scenario> [options]`: a load or fault test against a stack it
 * starts itself (a throwaway embedded PostgreSQL seeded with --accounts, then the three
 * subgraphs and the gateway as processes compiled like `npm run build`, production mode with
 * a SUBGRAPH_SECRET, as `npm start` runs them), or against --gateway-url. One progress line a second; a report
 * folder bench/reports/<scenario>-<timestamp>/ with summary.json, report.html and chart.png.
 *
 * Scenarios: steady | kill-subgraph | kill-db | read-write | freeze-subgraph (coalescing on vs off, scenarios/freeze.ts)
 * Options:   --rate 50 (req/s)  --duration S  --down 30 (s, fault scenarios)  --fault-at 10 (s)
 *            --subgraph account|data|image (kill-subgraph, freeze-subgraph; default account)  --users 10 (read-write)
 *            --accounts N (seeded; with --gateway-url: how many of 10000.. exist, default 100)
 *            --gateway-url http://127.0.0.1:4000 (steady and read-write only)
 *            --warmup 10 (s of unrecorded reads first)  --warmup-rate (their req/s; default the larger of --rate and 300)
 *            --tsx (run the services' TypeScript through tsx)
 * Every run is bounded: durations are capped at 10 minutes, requests time out after 5 s.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../platform/config';
import { usageFailure, type CommandSpec } from '../tools/cli';
import { num, opt, parseArgs, str, UsageError } from './lib/args';
import { buildCompiled, type Build } from './lib/build';
import { startBenchCluster, type BenchCluster } from './lib/cluster';
import { waitQuiet } from './lib/proc';
import { startStack, type Stack } from './lib/services';
import { liveProgress } from './report/live';
import { writeReport } from './report/write';
import { runOpenLoop } from './load/open-loop';
import { randomId, readAccount, type Scenario, type ScenarioContext } from './scenarios/common';
import { killDb, killSubgraph } from './scenarios/faults';
import { freezeSubgraph } from './scenarios/freeze';
import { readWrite } from './scenarios/read-write';
import { steady } from './scenarios/steady';

const SCENARIOS: Record<string, { run: Scenario; needsStack: boolean }> = {
  steady: { run: steady, needsStack: false },
  'kill-subgraph': { run: killSubgraph, needsStack: true },
  'kill-db': { run: killDb, needsStack: true },
  'read-write': { run: readWrite, needsStack: false },
  'freeze-subgraph': { run: freezeSubgraph, needsStack: true },
};

const say = (msg: string) => process.stdout.write(`[loadtest] ${msg}\n`);

const COMMAND = {
  script: 'loadtest',
  summary: `A load or fault test against a stack it starts itself (a throwaway embedded PostgreSQL, the
subgraphs and the gateway compiled, production mode) or against --gateway-url (e.g. a running
\`npm start\`, REPLICAS=2 included). Report: bench/reports/<scenario>-<timestamp>/.`,
  positionals: { name: '<scenario>', help: `one of ${Object.keys(SCENARIOS).join(', ')}`, required: true },
  options: {
    rate: opt('N', 'requests per second (default 50)'),
    duration: opt('S', 'seconds, at most 600 (default 30; fault scenarios: fault-at + down + 20)'),
    down: opt('S', 'seconds the fault lasts (fault scenarios, default 30)'),
    'fault-at': opt('S', 'second at which the fault starts (default 10)'),
    subgraph: opt('NAME', `kill-subgraph: ${CONTEXTS.join(', ')} (default account)`),
    users: opt('N', 'read-write: concurrent users (default 10)'),
    accounts: opt('N', 'seeded accounts; with --gateway-url: how many of 10000.. exist (default 100)'),
    'gateway-url': opt('URL', 'a running gateway on a loopback address (steady and read-write only)'),
    warmup: opt('S', 'seconds of unrecorded reads first (default 10)'),
    'warmup-rate': opt('N', 'their requests per second (default the larger of --rate and 300)'),
    tsx: { type: 'boolean', help: "run the services' TypeScript through tsx" },
  },
  exitCodes: { 0: 'ran (the report says how it went)', 1: 'failed' },
} satisfies CommandSpec;

async function main(): Promise<void> {
  const args = parseArgs(COMMAND);
  const name = args.positional[0] ?? '';
  const scenario = SCENARIOS[name];
  if (!scenario || args.positional.length > 1)
    throw new UsageError(`give one scenario: ${Object.keys(SCENARIOS).join(', ')}`);
  const gatewayUrl = str(args, 'gateway-url');
  if (gatewayUrl && scenario.needsStack)
    throw new UsageError(
      `${name} kills parts of the stack, so it runs only on a stack it starts itself (no --gateway-url)`,
    );
  if (gatewayUrl && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(gatewayUrl))
    throw new UsageError('--gateway-url must be a loopback address (http://127.0.0.1:PORT)');
  const subgraph = (str(args, 'subgraph') ?? 'account') as ContextName;
  if (!CONTEXTS.includes(subgraph)) throw new UsageError(`--subgraph must be one of ${CONTEXTS.join(', ')}`);
  const faultAtS = num(args, 'fault-at', 10, 1, 300);
  const downS = num(args, 'down', 30, 1, 300);
  const defaultDuration = scenario.needsStack ? faultAtS + downS + 20 : 30;
  const durationS = num(args, 'duration', defaultDuration, 5, 600);
  if (scenario.needsStack && durationS < faultAtS + downS + 5)
    throw new UsageError(
      `--duration must leave at least 5 s after the restore (fault at ${faultAtS} s, down ${downS} s)`,
    );
  const rate = num(args, 'rate', 50, 1, 2_000);
  const users = num(args, 'users', 10, 1, 500);
  const accounts = num(args, 'accounts', gatewayUrl ? 100 : 15_000, 1, 1_000_000);
  const warmupS = num(args, 'warmup', 10, 0, 120);
  const warmupRate = num(args, 'warmup-rate', Math.max(rate, 300), 1, 2_000);
  const command = `npm run loadtest -- ${process.argv.slice(2).join(' ')}`.trim();

  let cluster: BenchCluster | undefined;
  let stack: Stack | undefined;
  let build: Build | undefined;
  try {
    let base = gatewayUrl?.replace(/\/$/, '');
    if (!base) {
      if (args.flags.get('tsx') !== true) build = buildCompiled(say);
      cluster = await startBenchCluster(accounts, say);
      const logDir = path.join(__dirname, 'reports', 'logs', `${name}-${Date.now()}`);
      const env = { NODE_ENV: 'production', SUBGRAPH_SECRET: randomBytes(32).toString('hex') };
      stack = await startStack({ urls: cluster.urls, logDir, relay: true, env, build: build?.dir });
      base = stack.gateway.baseUrl;
      say(`stack up: gateway ${base}; service logs in ${path.relative(process.cwd(), logDir)}`);
    }
    const waited = await waitQuiet(120_000, 3, 0.25, (busy) =>
      say(`waiting for a quiet machine (${(busy * 100).toFixed(0)}% of a core busy elsewhere)`),
    );
    if (waited < 0) say('WARNING: the machine never got quiet (other work is using the CPU); latencies will show it');
    const ids = { first: 10_000, count: accounts };
    if (warmupS > 0) {
      // Not recorded: JIT, connection pools and caches warm up before the measured load. Faster
      // than the test's rate by default: 500 reads (10 s at 50 req/s) leave the services' hot
      // paths on V8's baseline tiers, which the measured p50/p99 then show (BENCHMARKS.md).
      say(`warming up: ${warmupS} s of reads at ${warmupRate} req/s`);
      await runOpenLoop({
        streams: [{ rate: warmupRate, send: () => readAccount(base!, randomId(ids)) }],
        durationMs: warmupS * 1000,
      });
    }
    const live = liveProgress();
    const t0 = performance.now();
    const ctx: ScenarioContext = {
      base,
      ids,
      rate,
      durationMs: durationS * 1000,
      faultAtMs: faultAtS * 1000,
      downMs: downS * 1000,
      subgraph,
      users,
      live,
      t0,
      now: () => performance.now() - t0,
      ...(stack ? { stack } : {}),
      ...(cluster ? { cluster } : {}),
      ...(build ? { build: build.dir } : {}),
    };
    say(`${name}: ${durationS} s against ${base}`);
    const result = await scenario.run(ctx).finally(() => live.stop());
    const report = await writeReport({
      scenario: name,
      command,
      samples: result.samples,
      durationMs: ctx.durationMs,
      headline: result.headline,
      marks: result.marks ?? [],
      windows: result.windows ?? [],
      details: {
        config: {
          rate,
          durationS,
          warmupS,
          downS,
          faultAtS,
          subgraph,
          users,
          accounts,
          gatewayUrl: gatewayUrl ?? null,
        },
        ...result.details,
      },
    });
    process.stdout.write(
      `\n${Object.entries(result.headline)
        .map(
          ([k, v]) =>
            `  ${k.padEnd(46)} ${typeof v === 'number' ? Math.round(v * 100) / 100 : typeof v === 'string' ? v : JSON.stringify(v)}`,
        )
        .join('\n')}\n\n`,
    );
    say(
      `report: ${path.relative(process.cwd(), report.dir)}/ (summary.json, report.html${report.png ? ', chart.png' : '; no chart.png: /usr/bin/chromium not found'})`,
    );
    if (result.headline.check === 'FAIL') process.exitCode = 1;
  } finally {
    await stack?.stop();
    await cluster?.stop();
    build?.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? usageFailure(COMMAND, err.message) : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
