/**
 * A paced open-loop load generator in its own process (the counterpart of autocannon-child.ts
 * for fixed-rate runs): request i is due at start + i / rate and is sent then, whether or not
 * earlier ones have answered, and its latency counts from the due time (load/open-loop.ts).
 * autocannon's `overallRate` is a per-second quota instead: it sends the second's requests
 * back to back and then waits for the next second, so its "latency at 50 req/s" is that of a
 * server kept busy for a fraction of each second. Started by load/autocannon.ts's runLoad with
 * `paced: true`; gets its LoadSpec (overallRate required) as argv[2], answers with one IPC
 * message, a LoadResult (its `autocannon` figures repeat the exact ones).
 */
import { HttpClient } from '../../platform/http-client';
import { summarize } from '../lib/stats';
import { runOpenLoop } from './open-loop';
import { answerMatches, graphqlBody, pickId, runChild, type LoadResult, type LoadSpec } from './spec';

const client = new HttpClient({ timeoutMs: 10_000, connections: 16 });

function sender(spec: LoadSpec) {
  const pick = () => pickId(spec.ids);
  const graphql = spec.kind === 'graphql';
  return async () => {
    const res = graphql
      ? await client.send(`${spec.baseUrl}${spec.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: graphqlBody(spec.shape ?? 'view', pick()),
        })
      : await client.send(`${spec.baseUrl}${spec.path}${pick()}`);
    return { status: res.status, ok: res.status >= 200 && res.status < 300 && answerMatches(spec.kind, res.text) };
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const rate = spec.overallRate;
  if (!rate) throw new Error('a paced run needs overallRate');
  const send = sender(spec);
  if (spec.warmupS > 0) await runOpenLoop({ streams: [{ rate, send }], durationMs: spec.warmupS * 1000 });
  process.send?.({ phase: 'measure' });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const samples = await runOpenLoop({ streams: [{ rate, send }], durationMs: spec.durationS * 1000 });
  const elapsedS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const lat = summarize(samples.map((s) => s.latencyMs));
  const failed = samples.filter((s) => s.status === 0).length;
  const non2xx = samples.filter((s) => s.status !== 0 && (s.status < 200 || s.status >= 300)).length;
  const out: LoadResult = {
    requests: samples.length,
    rps: samples.length / elapsedS,
    latencyMs: { mean: lat.mean, p50: lat.p50, p95: lat.p95, p99: lat.p99, max: lat.max },
    autocannon: { rpsMean: samples.length / elapsedS, p50: lat.p50, p99: lat.p99, max: lat.max },
    errors: failed,
    timeouts: samples.filter((s) => s.error === 'timeout').length,
    non2xx,
    mismatches: samples.filter((s) => !s.ok).length - failed - non2xx,
    loadGeneratorPeakRssMiB: process.resourceUsage().maxRSS / 1024,
    loadGeneratorCpuMs: (used.user + used.system) / 1000,
    elapsedS,
  };
  await client.close();
  process.send?.(out);
}

runChild(main);
