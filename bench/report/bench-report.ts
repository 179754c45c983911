/**
 * The results of `npm run bench`: the ratios against their targets, the tables on stdout,
 * and bench/results/<name>.json and .md (latest, secret, partial, or experiment-<names>).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS } from '../../platform/config';
import type { Machine } from '../lib/machine';
import type { TargetResult } from '../measure';
import type { PageStatements } from '../statements';
import { markdownTable, textTable, type Cell } from './table';

export const RESULTS = path.resolve(__dirname, '../results');

export interface Ratio {
  name: string;
  /** Median over the rounds of the ratio within each round (or a single value). */
  value: number;
  /** Lowest and highest per-round ratio. */
  spread?: [number, number];
  /** undefined: shown for comparison, no target. */
  target?: string;
  met?: boolean;
}

export interface BenchOutput {
  machine: Machine;
  config: Record<string, unknown> & { rate: number; secret: boolean; experiments: string[] };
  results: TargetResult[];
  page: PageStatements;
  subgraphRss: Record<string, number>;
  stamp: string;
}

/** CPU per request of the target's own server process (not subgraphs, PostgreSQL or the load generator). */
export const serverCpuOf = (r: TargetResult) =>
  Object.entries(r.cpuMsPerRequest).find(
    ([k]) => !k.endsWith('-subgraph') && k !== 'postgres' && k !== 'load generator',
  )?.[1] ?? Number.NaN;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Throughput ratios taken within each round (both targets measured minutes apart at most, the
 * machine's share of the host alike), then the median and spread over the rounds: on a shared
 * machine that is steadier than a ratio of two best-of-rounds figures.
 */
export function ratios(by: Map<string, TargetResult>, rate: number): Ratio[] {
  const out: Ratio[] = [];
  const ratio = (name: string, a: string, b: string, min?: number) => {
    const [x, y] = [by.get(a), by.get(b)];
    if (!x || !y) return;
    const perRound = x.runs
      .map((r) => {
        const other = y.runs.find((o) => o.round === r.round);
        return other ? r.throughput.rps / other.throughput.rps : Number.NaN;
      })
      .filter(Number.isFinite);
    if (perRound.length === 0) return;
    const value = median(perRound);
    out.push({
      name,
      value,
      spread: [Math.min(...perRound), Math.max(...perRound)],
      ...(min === undefined ? {} : { target: `>= ${min}x`, met: value >= min }),
    });
  };
  // Targets of the current round (Performance III): ahead of Grafbase Gateway (Rust) and still
  // twice the stock gateway on every shape; the Hive ratios are reported for comparison.
  ratio('aggregated view: ours / Grafbase Gateway (Rust)', 'ours-graphql', 'grafbase-graphql', 1.2);
  ratio('aggregated view: ours / stock @apollo/gateway', 'ours-graphql', 'stock-graphql', 2);
  ratio('aggregated view: ours / Hive Gateway, Rust planner', 'ours-graphql', 'hive-rust-graphql');
  ratio('aggregated view: ours / Hive Gateway, JS planner', 'ours-graphql', 'hive-js-graphql');
  ratio('page at a random offset: ours / Grafbase Gateway (Rust)', 'ours-graphql:page', 'grafbase-graphql:page', 1);
  ratio('page at a random offset: ours / stock @apollo/gateway', 'ours-graphql:page', 'stock-graphql:page', 2);
  ratio('page at a random offset: ours / Hive Gateway, Rust planner', 'ours-graphql:page', 'hive-rust-graphql:page');
  ratio('page at a random offset: ours / Hive Gateway, JS planner', 'ours-graphql:page', 'hive-js-graphql:page');
  ratio('hot document: ours / Grafbase Gateway (Rust)', 'ours-graphql:hot', 'grafbase-graphql:hot', 1);
  ratio('hot document: ours / stock @apollo/gateway', 'ours-graphql:hot', 'stock-graphql:hot', 2);
  ratio('hot document: ours / Hive Gateway, Rust planner', 'ours-graphql:hot', 'hive-rust-graphql:hot');
  ratio('hot document: ours / Hive Gateway, JS planner', 'ours-graphql:hot', 'hive-js-graphql:hot');
  const ourView = by.get('ours-graphql');
  if (ourView) {
    const cpu = serverCpuOf(ourView);
    if (Number.isFinite(cpu))
      out.push({ name: 'our gateway CPU per aggregated view (ms)', value: cpu, target: '<= 0.40 ms', met: cpu <= 0.4 });
  }
  // The gateways alone: their own CPU per request (the subgraphs behind them are the same).
  const [stock, ours] = [by.get('stock-graphql'), by.get('ours-graphql')];
  const perCore = stock && ours ? serverCpuOf(stock) / serverCpuOf(ours) : Number.NaN;
  if (Number.isFinite(perCore))
    out.push({
      name: 'gateway CPU per request: stock / ours (GraphQL)',
      value: perCore,
      target: '>= 2x',
      met: perCore >= 2,
    });
  ratio('our gateway REST shim / REST fan-out', 'ours-rest', 'fanout-rest', 1);
  ratio('our gateway GraphQL / REST fan-out', 'ours-graphql', 'fanout-rest', 1);
  ratio('our gateway REST shim / limit', 'ours-rest', 'limit-rest', 0.35);
  ratio('our gateway GraphQL / limit', 'ours-graphql', 'limit-rest', 0.35);
  for (const id of ['ours-graphql', 'ours-rest']) {
    const bursts = by.get(id)?.fixedRate?.latencyMs.p99;
    if (bursts !== undefined)
      out.push({
        name: `${id} p99 at ${rate} req/s, 1-s bursts (ms)`,
        value: bursts,
        target: '<= 15 ms',
        met: bursts <= 15,
      });
    const paced = by.get(id)?.pacedRate?.latencyMs.p99;
    if (paced !== undefined)
      out.push({ name: `${id} p99 at ${rate} req/s, paced (ms)`, value: paced, target: '<= 15 ms', met: paced <= 15 });
  }
  return out;
}

export function writeBenchReport(out: BenchOutput, log: (msg: string) => void): void {
  const rate = Number(out.config.rate);
  const by = new Map(out.results.map((r) => [r.id, r]));
  const rat = ratios(by, rate);
  const head = [
    'target',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    `p50/p99 @${rate}/s: 1-s bursts; paced`,
    'errors',
    'same JSON',
    'SQL/req',
    'CPU ms/req (server, subgraphs, postgres, loadgen)',
    'server req/s per core',
    'peak RSS MiB',
    'foreign CPU %',
  ];
  const rows: Cell[][] = out.results.map((r) => {
    const cpu = r.cpuMsPerRequest;
    const subgraphs = CONTEXTS.reduce((s, c) => s + (cpu[`${c}-subgraph`] ?? 0), 0);
    const server = serverCpuOf(r);
    const t = r.throughput;
    return [
      r.id,
      t.rps,
      t.latencyMs.p50,
      t.latencyMs.p95,
      t.latencyMs.p99,
      r.fixedRate
        ? `${r.fixedRate.latencyMs.p50.toFixed(1)} / ${r.fixedRate.latencyMs.p99.toFixed(1)}` +
          (r.pacedRate ? `; ${r.pacedRate.latencyMs.p50.toFixed(1)} / ${r.pacedRate.latencyMs.p99.toFixed(1)}` : '')
        : '–',
      t.errors + t.timeouts + t.non2xx + t.mismatches,
      r.sameAnswerAsOurs ? 'yes' : 'NO',
      r.statementsPerRequest.total ?? Number.NaN,
      `${server.toFixed(2)}, ${subgraphs.toFixed(2)}, ${(cpu.postgres ?? 0).toFixed(2)}, ${(cpu['load generator'] ?? 0).toFixed(2)}`,
      1000 / server,
      r.peakRssMiB,
      r.foreignCpuPct,
    ];
  });
  const ratioHead = ['ratio / limit', 'measured (median of rounds)', 'rounds min–max', 'target', 'met'];
  const ratioRows: Cell[][] = rat.map((r) => [
    r.name,
    r.value,
    r.spread ? `${r.spread[0].toFixed(2)}–${r.spread[1].toFixed(2)}` : '',
    r.target ?? '–',
    r.met === undefined ? '–' : r.met ? 'yes' : 'NO',
  ]);
  const pageHead = ['accounts(first: N) page', 'account', 'data', 'image', 'total statements'];
  const pageRows: Cell[][] = out.page.map((p) => [
    `N = ${p.first}`,
    p.perDatabase.account,
    p.perDatabase.data,
    p.perDatabase.image,
    p.total,
  ]);
  const memHead = ['process', 'peak RSS MiB'];
  const memRows: Cell[][] = [
    ...out.results.map((r) => [r.id, r.peakRssMiB] as Cell[]),
    ...Object.entries(out.subgraphRss),
    ['load generator (max)', Math.max(...out.results.map((r) => r.throughput.loadGeneratorPeakRssMiB))],
  ];
  const stmtHead = ['target', 'account', 'data', 'image', 'total SQL per aggregated view'];
  const stmtRows: Cell[][] = out.results
    .filter((r) => (r.shape ?? 'view') === 'view')
    .map((r) => [
      r.id,
      r.statementsPerRequest.account ?? 0,
      r.statementsPerRequest.data ?? 0,
      r.statementsPerRequest.image ?? 0,
      r.statementsPerRequest.total ?? 0,
    ]);
  const sections: [string, string[], Cell[][]][] = [
    ['Throughput and latency', head, rows],
    ['Ratios and targets', ratioHead, ratioRows],
    ['SQL statements per aggregated-view request', stmtHead, stmtRows],
    ['SQL statements per page query (constant in N)', pageHead, pageRows],
    ['Peak memory per process', memHead, memRows],
  ];
  process.stdout.write(`\n${sections.map(([title, h, r]) => `${title}\n${textTable(h, r)}`).join('\n\n')}\n\n`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const json = JSON.stringify({ ...out, ratios: rat }, null, 2);
  const experiments = (out.config.experiments as string[]).join('+');
  const name = experiments
    ? `experiment-${experiments}`
    : out.config.secret
      ? 'secret'
      : out.config.partial
        ? 'partial'
        : 'latest';
  const md = sections.map(([title, h, r]) => `#### ${title}\n\n${markdownTable(h, r)}`).join('\n\n') + '\n';
  fs.writeFileSync(path.join(RESULTS, `${name}.json`), json);
  fs.writeFileSync(path.join(RESULTS, `${name}.md`), md);
  fs.writeFileSync(path.join(RESULTS, `bench-${out.stamp}.json`), json);
  log(`wrote bench/results/${name}.json and ${name}.md`);
}
