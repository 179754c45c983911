/**
 * The results of `npm run bench`: the ratios against their targets, the tables on stdout,
 * and bench/results/<name>.json and .md (latest, secret, or experiment-<names>).
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
  value: number;
  target: string;
  met: boolean;
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

export function ratios(by: Map<string, TargetResult>, rate: number): Ratio[] {
  const rps = (id: string) => by.get(id)?.throughput.rps ?? Number.NaN;
  const out: Ratio[] = [];
  const ratio = (name: string, a: string, b: string, min: number) => {
    const value = rps(a) / rps(b);
    if (Number.isFinite(value)) out.push({ name, value, target: `>= ${min}x`, met: value >= min });
  };
  ratio('our gateway GraphQL / stock gateway GraphQL', 'ours-graphql', 'stock-graphql', 2);
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
  ratio('our gateway REST shim / limit', 'ours-rest', 'limit-rest', 0.5);
  ratio('our gateway GraphQL / limit', 'ours-graphql', 'limit-rest', 0.5);
  for (const id of ['ours-graphql', 'ours-rest']) {
    const p99 = by.get(id)?.fixedRate.latencyMs.p99;
    if (p99 !== undefined)
      out.push({ name: `${id} p99 at ${rate} req/s (ms)`, value: p99, target: '<= 15 ms', met: p99 <= 15 });
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
    `p50/p99 @${rate}/s, 1 conn`,
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
      `${r.fixedRate.latencyMs.p50.toFixed(1)} / ${r.fixedRate.latencyMs.p99.toFixed(1)}`,
      t.errors + t.timeouts + t.non2xx + t.mismatches,
      r.sameAnswerAsOurs ? 'yes' : 'NO',
      r.statementsPerRequest.total ?? Number.NaN,
      `${server.toFixed(2)}, ${subgraphs.toFixed(2)}, ${(cpu.postgres ?? 0).toFixed(2)}, ${(cpu['load generator'] ?? 0).toFixed(2)}`,
      1000 / server,
      r.peakRssMiB,
      r.foreignCpuPct,
    ];
  });
  const ratioHead = ['ratio / limit', 'measured', 'target', 'met'];
  const ratioRows: Cell[][] = rat.map((r) => [r.name, r.value, r.target, r.met ? 'yes' : 'NO']);
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
  const stmtRows: Cell[][] = out.results.map((r) => [
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
  const name = experiments ? `experiment-${experiments}` : out.config.secret ? 'secret' : 'latest';
  const md = sections.map(([title, h, r]) => `#### ${title}\n\n${markdownTable(h, r)}`).join('\n\n') + '\n';
  fs.writeFileSync(path.join(RESULTS, `${name}.json`), json);
  fs.writeFileSync(path.join(RESULTS, `${name}.md`), md);
  fs.writeFileSync(path.join(RESULTS, `bench-${out.stamp}.json`), json);
  log(`wrote bench/results/${name}.json and ${name}.md`);
}
