/**
 * MICROBENCHMARK: in-flight deduplication (gateway/resilience.ts, upstream/gather.ts) on the hot-document shape: the
 * same `accounts(first: 50) { … }` page sent by 10 connections at once. One set of subgraphs
 * (2,000 seeded accounts), two gateways in front of it, SUBGRAPH_DEDUP on and off, rounds
 * interleaved; req/s and p99 per round, and the ratio within each round.
 * `npx tsx bench/micro/dedup.ts [--rounds 5] [--duration 8]`
 */
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { num, microArgs } from '../lib/args';
import { startBenchCluster } from '../lib/cluster';
import { startGatewayVariant, startStack } from '../lib/services';

const HOT =
  'query HotPage { accounts(first: 50) { edges { node { id name quote { text } imageData { url } events { eventName created } } } } }';

async function load(url: string, durationS: number): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: 10,
    duration: durationS,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: HOT }),
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  const args = microArgs('dedup');
  const rounds = num(args, 'rounds', 5, 1, 20);
  const duration = num(args, 'duration', 8, 1, 60);
  const cluster = await startBenchCluster(2_000);
  const logDir = path.join(os.tmpdir(), 'account-graph-dedup-bench');
  const stack = await startStack({ urls: cluster.urls, logDir, relay: false });
  const plain = await startGatewayVariant(stack, 'gateway-nodedup', { SUBGRAPH_DEDUP: 'false' }, { logDir });
  const targets = { dedup: `${stack.gateway.baseUrl}/graphql`, 'no dedup': `${plain.baseUrl}/graphql` };
  try {
    for (const url of Object.values(targets)) await load(url, 3); // warm-up
    const rows: Record<string, { rps: number; p99: number; errors: number }[]> = { dedup: [], 'no dedup': [] };
    for (let r = 0; r < rounds; r++)
      for (const [name, url] of Object.entries(targets)) rows[name]!.push(await load(url, duration));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`hot document, 10 connections, ${rounds} rounds of ${duration} s, interleaved`);
    for (const [name, rs] of Object.entries(rows)) {
      const rps = rs.map((x) => x.rps);
      console.log(
        `${name.padEnd(9)} req/s median ${median(rps).toFixed(0)} (${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}), p99 median ${median(rs.map((x) => x.p99))} ms, errors ${rs.reduce((a, x) => a + x.errors, 0)}`,
      );
    }
    const ratios = rows.dedup!.map((x, i) => x.rps / rows['no dedup']![i]!.rps);
    console.log(
      `dedup / no dedup, same round: median ×${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
  } finally {
    await plain.stop();
    await stack.stop();
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
