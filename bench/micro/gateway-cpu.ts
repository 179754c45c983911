/**
 * MICROBENCHMARK: the gateway's own CPU per request, this tree against another commit (`--base`,
 * default HEAD). Both compiled (bench/lib/build.ts; the base from `git archive`, on this tree's
 * node_modules), two gateway processes over one set of subgraphs (this tree's) and one seeded
 * cluster; autocannon puts the same shape on each gateway in turn, rounds interleaved. What
 * counts is the CPU time each gateway process used (/proc) divided by the requests it served in
 * that run: robust against other load on a shared machine, unlike req/s or a sampling profile.
 * Ratios are taken within each round.
 * `npx tsx bench/micro/gateway-cpu.ts [--base <commit>] [--rounds 5] [--duration 8] [--accounts 2000] [--shape view|page|hot]`
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { num, microArgs, str, opt } from '../lib/args';
import { buildCompiled } from '../lib/build';
import { startBenchCluster } from '../lib/cluster';
import { ROOT, startGatewayVariant, startStack, type Service } from '../lib/services';
import { graphqlCpuPerRequest } from '../load/autocannon';
import { SHAPES, type Shape } from '../load/spec';

/** `ref`'s tree in a temporary folder, with this tree's untracked inputs a build needs (generated code, assets). */
function checkout(ref: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-graph-base-'));
  const archive = execFileSync('git', ['archive', '--format=tar', ref], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const untracked of ['generated', 'gateway/playground/static']) {
    if (fs.existsSync(path.join(ROOT, untracked)) && !fs.existsSync(path.join(dir, untracked)))
      fs.symlinkSync(path.join(ROOT, untracked), path.join(dir, untracked), 'dir');
  }
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function round(gateway: Service, ids: { first: number; count: number }, durationS: number, shape: Shape) {
  const { result, cpuMs } = await graphqlCpuPerRequest(gateway.baseUrl, shape, ids, durationS, {
    gateway: gateway.pid,
  });
  return { cpuMs: cpuMs.gateway ?? 0, rps: result.rps, errors: result.errors + result.non2xx + result.mismatches };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], digits = 3) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main(): Promise<void> {
  const args = microArgs('gateway-cpu', {
    base: opt('REF', 'the commit to compare with (default HEAD)'),
    accounts: opt('N', 'seeded accounts'),
    shape: opt('view|page|hot', 'the request shape'),
  });
  const base = str(args, 'base') ?? 'HEAD';
  const rounds = num(args, 'rounds', 5, 1, 20);
  const duration = num(args, 'duration', 8, 1, 60);
  const accounts = num(args, 'accounts', 2_000, 100, 1_000_000);
  const shape = (str(args, 'shape') ?? 'view') as Shape;
  if (!SHAPES.includes(shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
  const sha = execFileSync('git', ['rev-parse', '--short', base], { cwd: ROOT, encoding: 'utf8' }).trim();
  const tree = checkout(base);
  const builds = {
    base: buildCompiled((m) => console.log(`${sha}: ${m}`), tree.dir),
    ours: buildCompiled((m) => console.log(`this tree: ${m}`)),
  };
  const cluster = await startBenchCluster(accounts, (m) => console.log(m));
  const logDir = path.join(os.tmpdir(), 'account-graph-gateway-cpu-bench');
  const stack = await startStack({ urls: cluster.urls, logDir, relay: false, build: builds.ours.dir });
  const gateways: Record<string, Service> = {
    [`base ${sha}`]: await startGatewayVariant(stack, 'gateway-base', {}, { logDir, build: builds.base.dir }),
    'this tree': stack.gateway,
  };
  try {
    for (const g of Object.values(gateways)) await round(g, cluster.ids, 5, shape); // warm-up (JIT, pools)
    const rows: Record<string, Awaited<ReturnType<typeof round>>[]> = Object.fromEntries(
      Object.keys(gateways).map((k) => [k, []]),
    );
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      loads.push(os.loadavg()[0] ?? 0);
      for (const [name, g] of Object.entries(gateways)) rows[name]!.push(await round(g, cluster.ids, duration, shape));
    }
    console.log(
      `\n${shape}, random ids over ${accounts} accounts, 10 connections, ${rounds} rounds of ${duration} s, interleaved; load average at the rounds' start ${spread(loads, 1)}`,
    );
    console.log('gateway CPU ms per request, median (min–max) over the rounds:');
    for (const [name, rs] of Object.entries(rows)) {
      console.log(
        `${name.padEnd(14)} ${spread(rs.map((x) => x.cpuMs))}; req/s ${spread(
          rs.map((x) => x.rps),
          0,
        )}, errors ${rs.reduce((a, x) => a + x.errors, 0)}`,
      );
    }
    const [b, o] = Object.values(rows) as [(typeof rows)[string], (typeof rows)[string]];
    console.log(
      `this tree / base in the same round: ×${spread(
        o.map((x, i) => x.cpuMs / b[i]!.cpuMs),
        2,
      )}`,
    );
  } finally {
    await gateways[`base ${sha}`]!.stop();
    await stack.stop();
    await cluster.stop();
    builds.base.remove();
    builds.ours.remove();
    tree.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
