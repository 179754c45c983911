/**
 * The load generator, in its own process so that it does not take the servers' event loop:
 * autocannon with random ids from the seeded set (a fresh id per request through
 * `setupRequest`: an account to view, or the cursor a page starts after), a warm-up run, then the measured run. Every response time is kept so
 * that p50/p95/p99 are exact (autocannon's own histogram has no p95). Started by
 * load/autocannon.ts with fork(); gets its LoadSpec as argv[2] and answers with one IPC
 * message, a LoadResult.
 */
import autocannon from 'autocannon';
import { summarize } from '../lib/stats';
import { answerMatches, graphqlBody, pickId, runChild, type LoadResult, type LoadSpec } from './spec';

function options(spec: LoadSpec, durationS: number): autocannon.Options {
  const pick = () => pickId(spec.ids);
  const shape = spec.shape ?? 'view';
  const graphql = spec.kind === 'graphql';
  const request: autocannon.Request = graphql
    ? {
        method: 'POST',
        path: spec.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: graphqlBody(shape, pick()) }),
      }
    : {
        method: 'GET',
        // Asked for explicitly: the REST shim closes the connection after each answer unless
        // the client asks for keep-alive, as the old service did (docs/rest-shim.md).
        headers: { connection: 'keep-alive' },
        setupRequest: (req) => ({ ...req, path: `${spec.path}${pick()}` }),
      };
  return {
    url: spec.baseUrl,
    connections: spec.connections,
    duration: durationS,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    timeout: 10,
    requests: [request],
    // A 200 carrying GraphQL errors, or a REST answer that is not an account, counts as a mismatch.
    verifyBody: (body) => answerMatches(spec.kind, String(body)),
  };
}

function run(opts: autocannon.Options, onLatency?: (ms: number, status: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    if (onLatency) instance.on('response', (_client, status, _bytes, ms) => onLatency(ms, status));
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  if (spec.warmupS > 0) await run(options(spec, spec.warmupS));
  const latencies: number[] = [];
  let non2xx = 0;
  process.send?.({ phase: 'measure' });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run(options(spec, spec.durationS), (ms, status) => {
    latencies.push(ms);
    if (status < 200 || status >= 300) non2xx++;
  });
  const elapsedS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const lat = summarize(latencies);
  const out: LoadResult = {
    requests: latencies.length,
    rps: latencies.length / elapsedS,
    latencyMs: { mean: lat.mean, p50: lat.p50, p95: lat.p95, p99: lat.p99, max: lat.max },
    autocannon: {
      rpsMean: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx,
    mismatches: result.mismatches,
    loadGeneratorPeakRssMiB: process.resourceUsage().maxRSS / 1024,
    loadGeneratorCpuMs: (used.user + used.system) / 1000,
    elapsedS,
  };
  process.send?.(out);
}

runChild(main);
