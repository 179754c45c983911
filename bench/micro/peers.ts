/**
 * MICROBENCHMARK: our gateway against Hive Gateway (JS planner, and with the Rust query
 * planner) and Grafbase Gateway (Rust) over the same subgraphs (2,000 seeded accounts), on two shapes: the hot document
 * (the same `accounts(first: 50)` page from 10 connections at once) and the aggregated view
 * with a random seeded id per request. Rounds interleaved across the targets; req/s and p99
 * per round, ratios to ours within each round, and how many requests the subgraphs served per
 * answer; our gateway also runs with coalescing off and with its lean path off, to show what
 * each adds. (`npm run bench` measures the same peers on the
 * compiled build, with the page shape too; this one runs everything through tsx.)
 * `npx tsx bench/micro/peers.ts [--rounds 3] [--duration 8] [--connections 1,10,50] [--only grafbase,hive]`
 */
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../../prisma/tools/local/scratch';
import { num, microArgs, opt, str } from '../lib/args';
import { startBenchCluster } from '../lib/cluster';
import { startService, startStack, type Service } from '../lib/services';
import { AGGREGATED_QUERY, HOT_QUERY } from '../load/spec';
import { grafbaseService } from '../baselines/grafbase';
import { CONTEXTS, type ContextName } from '../../platform/config';

const HOT = JSON.stringify({ query: HOT_QUERY });

async function load(
  url: string,
  shape: 'hot' | 'view',
  ids: { first: number; count: number },
  durationS: number,
  connections: number,
) {
  const body =
    shape === 'hot'
      ? () => HOT
      : () =>
          JSON.stringify({
            query: AGGREGATED_QUERY,
            variables: { id: String(ids.first + Math.floor(Math.random() * ids.count)) },
          });
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    answered: result.requests.total,
  };
}

const answers = async (baseUrl: string) => {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ accounts(first: 1) { edges { node { id } } } }' }),
    signal: AbortSignal.timeout(2_000),
  });
  return res.ok && !(await res.text()).includes('"errors"');
};

async function main(): Promise<void> {
  const args = microArgs('peers', {
    connections: opt('N,...', 'concurrency levels, each measured in turn (default 10)'),
    only: opt('NAME,...', 'measure only these targets (ours is always measured): grafbase, hive, ours, ...'),
  });
  const rounds = num(args, 'rounds', 3, 1, 20);
  const duration = num(args, 'duration', 8, 1, 60);
  const levels = (str(args, 'connections') ?? '10').split(',').map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000))
    throw new Error('--connections: a comma-separated list of whole numbers from 1 to 1000');
  const cluster = await startBenchCluster(2_000);
  const logDir = path.join(os.tmpdir(), 'account-graph-peers-bench');
  const stack = await startStack({ urls: cluster.urls, logDir, relay: false });
  const hive = async (name: string, planner: string): Promise<Service> => {
    const port = await freePort();
    return startService({
      name,
      entry: 'bench/baselines/hive-gateway',
      env: { ...stack.env, BENCH_PORT: String(port), BENCH_PLANNER: planner },
      port,
      logDir,
      probe: answers,
    });
  };
  const grafbasePort = await freePort();
  const subgraphUrls = Object.fromEntries(CONTEXTS.map((c) => [c, `${stack.subgraphs[c].baseUrl}/graphql`])) as Record<
    ContextName,
    string
  >;
  const grafbase = await startService(
    grafbaseService({ name: 'grafbase', port: grafbasePort, urls: subgraphUrls, logDir, env: {}, probe: answers }),
  );
  const peers = [await hive('hive-js', 'js'), await hive('hive-rust', 'rust'), grafbase];
  // Our gateway once more with one of its pieces off, to see what each adds: query coalescing
  // (gateway/coalesce.ts), the lean path (gateway/lean-route.ts).
  const variant = async (name: string, env: Record<string, string>) => {
    const port = await freePort();
    const service = await startService({
      name,
      entry: 'gateway/main',
      env: { ...stack.env, ...env, GATEWAY_PORT: String(port) },
      port,
      logDir,
      probe: answers,
    });
    peers.push(service);
    return `${service.baseUrl}/graphql`;
  };
  const targets: Record<string, string> = {
    ours: `${stack.gateway.baseUrl}/graphql`,
    'ours, coalescing off': await variant('gateway-uncoalesced', { GATEWAY_COALESCE: 'false' }),
    'ours, lean path off': await variant('gateway-not-lean', { GATEWAY_LEAN_PATH: 'false' }),
    'hive (JS planner)': `${peers[0]!.baseUrl}/graphql`,
    'hive (Rust planner)': `${peers[1]!.baseUrl}/graphql`,
    'grafbase (Rust)': `${grafbase.baseUrl}/graphql`,
  };
  const only = str(args, 'only')?.split(',');
  if (only)
    for (const name of Object.keys(targets))
      if (name !== 'ours' && !only.some((o) => name.startsWith(o))) delete targets[name];
  // How many requests the subgraphs served (their own /metrics), to tell per answer what each
  // gateway asked of them: sharing and caching show here, not in req/s alone.
  const subgraphRequests = async () => {
    let n = 0;
    for (const c of CONTEXTS) {
      const text = await (await fetch(`${stack.subgraphs[c].baseUrl}/metrics`)).text();
      for (const line of text.split('\n'))
        if (line.startsWith('http_request_duration_seconds_count{') && line.includes('method="POST"'))
          n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return n;
  };
  const measured = async (url: string, shape: 'hot' | 'view', connections: number) => {
    const before = await subgraphRequests();
    const run = await load(url, shape, cluster.ids, duration, connections);
    return { ...run, perAnswer: ((await subgraphRequests()) - before) / Math.max(1, run.answered) };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  try {
    // Every target must give the same answer, or the comparison is void.
    const answerOf = async (url: string) =>
      JSON.parse(
        await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: HOT })).text(),
      ) as unknown;
    const expected = await answerOf(targets.ours!);
    if ((expected as { errors?: unknown }).errors)
      throw new Error(`our gateway answered with errors: ${JSON.stringify(expected).slice(0, 300)}`);
    for (const [name, url] of Object.entries(targets)) {
      const got = await answerOf(url);
      if (!isDeepStrictEqual(got, expected))
        throw new Error(
          `${name} answers the hot document differently from our gateway:\n${JSON.stringify(got).slice(-400)}\nours:\n${JSON.stringify(expected).slice(-400)}`,
        );
    }
    for (const connections of levels)
      for (const shape of ['hot', 'view'] as const) {
        for (const url of Object.values(targets)) await load(url, shape, cluster.ids, 3, connections); // warm-up
        const rows: Record<string, { rps: number; p99: number; errors: number; perAnswer: number }[]> =
          Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
        for (let r = 0; r < rounds; r++)
          for (const [name, url] of Object.entries(targets)) rows[name]!.push(await measured(url, shape, connections));
        console.log(
          `\n${shape === 'hot' ? 'hot document' : 'aggregated view, random ids'}: ${connections} connections, ${rounds} rounds of ${duration} s, interleaved`,
        );
        for (const [name, rs] of Object.entries(rows)) {
          const ratio = rs.map((x, i) => rows.ours![i]!.rps / x.rps);
          console.log(
            `${name.padEnd(20)} req/s ${median(rs.map((x) => x.rps)).toFixed(0)} (${Math.min(...rs.map((x) => x.rps)).toFixed(0)}–${Math.max(...rs.map((x) => x.rps)).toFixed(0)}), ` +
              `p99 ${median(rs.map((x) => x.p99))} ms, errors ${rs.reduce((a, x) => a + x.errors, 0)}, ` +
              `subgraph requests per answer ${median(rs.map((x) => x.perAnswer)).toFixed(2)}; ours / this: ×${median(ratio).toFixed(2)} (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})`,
          );
        }
      }
  } finally {
    for (const p of peers) await p.stop();
    await stack.stop();
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
