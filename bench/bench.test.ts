/**
 * Unit tests of the load and fault lab (bench/), quick and without timing assertions:
 * percentile and per-second math, the fault analysis, the report's inline SVG chart, the
 * .cpuprofile summary and the open-loop generator against an in-process sender. The report
 * folder (Chromium) and the baselines against the stack: smoke.e2e.ts.
 */
import { parseArgs, num, UsageError } from './lib/args';
import type { CommandSpec } from '../tools/cli';
import { percentile, perSecond, summarize, type Sample } from './lib/stats';
import { runOpenLoop } from './load/open-loop';
import { summarizeProfile, type CpuProfile } from './profile-summary';
import { svgChart } from './report/chart';
import { analyzeFault } from './scenarios/common';
import type { TargetResult } from './measure';
import { ratios } from './report/bench-report';
import { syntheticSamples } from './testing/samples';

describe('statistics', () => {
  test('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 95, 99, 100].map((p) => percentile(values, p))).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([3, 1, 2])).toMatchObject({ count: 3, min: 1, max: 3, mean: 2, p50: 2 });
  });

  test('per-second buckets keep empty seconds and count failures and degraded answers', () => {
    const samples: Sample[] = [
      { t: 100, latencyMs: 5, status: 200, ok: true },
      { t: 900, latencyMs: 15, status: 200, ok: true, partial: true },
      { t: 2500, latencyMs: 40, status: 503, ok: false },
    ];
    const s = perSecond(samples, 4);
    expect(s.map((x) => x.requests)).toEqual([2, 0, 1, 0]);
    expect(s[0]).toMatchObject({ ok: 2, partial: 1, errors: 0, p50: 5, p99: 15 });
    expect(s[2]).toMatchObject({ ok: 0, errors: 1 });
    expect(s[1]!.p99).toBeNaN();
  });

  test('fault analysis: failures, spike and recovery after the restore', () => {
    const samples: Sample[] = [];
    for (let t = 0; t < 10_000; t += 100) {
      const down = t >= 3_000 && t < 6_200;
      samples.push({ t, latencyMs: down ? 300 : 5, status: down ? 503 : 200, ok: !down });
    }
    const a = analyzeFault(samples, 3_000, 6_000);
    expect(a.failed).toBe(32);
    expect(a.before.p99).toBe(5);
    expect(a.spike.worstSecondP99).toBe(300);
    expect(a.recovery).toEqual({ firstCompleteAfterRestoreMs: 200, allCompleteAfterRestoreMs: 200 });
    expect(a.failureKinds).toEqual({ 'HTTP 503': 32 });
  });

  test('command-line numbers are checked', () => {
    const spec: CommandSpec = { script: 'bench', summary: '', options: { rate: { type: 'string', help: '' } } };
    expect(num(parseArgs(spec, ['--rate', '20']), 'rate', 50, 1, 100)).toBe(20);
    expect(num(parseArgs(spec, []), 'rate', 50, 1, 100)).toBe(50);
    expect(() => num(parseArgs(spec, ['--rate', 'x']), 'rate', 50, 1, 100)).toThrow(UsageError);
  });
});

describe('reports', () => {
  const samples = syntheticSamples();

  test('the chart is an inline SVG with the three latency lines, the bars and the marks', () => {
    const svg = svgChart({
      seconds: perSecond(samples),
      marks: [{ t: 2_000, label: 'kill' }],
      windows: [{ from: 2_000, to: 3_000, label: 'down' }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path d="M/g)).toHaveLength(3);
    expect(svg).toContain('kill');
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  test('profile summary: self time by function and package, inclusive time, idle left out', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4] },
        { id: 2, callFrame: frame('execute', 'file:///x/node_modules/@apollo/gateway/dist/a.js'), children: [3] },
        { id: 3, callFrame: frame('writev') },
        { id: 4, callFrame: frame('(idle)') },
      ],
      samples: [2, 3, 3, 4, 4],
      timeDeltas: [1000, 1000, 1000, 1000, 1000],
      startTime: 0,
      endTime: 5000,
    };
    const s = summarizeProfile(profile);
    expect(s.busyMs).toBe(3);
    expect(s.selfByFunction[0]).toMatchObject({ name: 'writev', ms: 2 });
    expect(s.selfByPackage.map((r) => r.name)).toEqual(['(native / V8)', '@apollo/gateway']);
    expect(s.inclusiveByFunction[0]).toMatchObject({ ms: 3 });
    expect(summarizeProfile(profile, { lastMs: 1.5 }).busyMs).toBe(0); // the last 1.5 ms were idle
  });
});

test('the open-loop generator sends at its rate whatever the answers, bounded by the duration', async () => {
  let answered = 0;
  const samples = await runOpenLoop({
    durationMs: 500,
    streams: [
      {
        rate: 40,
        send: async (i) => (answered++, i % 4 === 0 ? { status: 503, ok: false } : { status: 200, ok: true }),
      },
    ],
  });
  expect(samples).toHaveLength(20);
  expect(answered).toBe(20);
  expect(samples.filter((s) => !s.ok)).toHaveLength(5);
  expect(samples[19]!.t).toBeCloseTo(475, 0);
});

describe('ratios within each round', () => {
  const result = (id: string, rps: number[], cpuMsPerRequest: Record<string, number> = {}) =>
    ({
      id,
      cpuMsPerRequest,
      runs: rps.map((x, i) => ({ round: i + 1, throughput: { rps: x } })),
    }) as unknown as TargetResult;

  test('median and spread of the per-round ratios, a target only where one is set', () => {
    const by = new Map(
      [
        result('ours-graphql', [300, 200, 400]),
        result('grafbase-graphql', [200, 200, 100]),
        result('hive-js-graphql', [100, 100, 100]),
      ].map((r) => [r.id, r] as const),
    );
    const grafbase = ratios(by, 50).find((r) => r.name === 'aggregated view: ours / Grafbase Gateway (Rust)')!;
    expect(grafbase).toMatchObject({ value: 1.5, spread: [1, 4], target: '>= 1.2x', met: true });
    const js = ratios(by, 50).find((r) => r.name === 'aggregated view: ours / Hive Gateway, JS planner')!;
    expect(js).toMatchObject({ value: 3, spread: [2, 4] });
    expect(js.target).toBeUndefined();
    expect(ratios(by, 50).some((r) => r.name.includes('stock'))).toBe(false);
  });

  test("the current round's targets: Grafbase on every shape, twice the stock gateway, 0.40 ms of gateway CPU", () => {
    const ids = ['ours-graphql', 'grafbase-graphql', 'stock-graphql'];
    const by = new Map(
      ids.flatMap((id) =>
        ['', ':page', ':hot'].map((shape) => {
          const r = result(
            id + shape,
            [100],
            id === 'ours-graphql' && !shape ? { gateway: 0.45, 'account-subgraph': 1 } : {},
          );
          return [r.id, r] as const;
        }),
      ),
    );
    const targets = Object.fromEntries(ratios(by, 50).map((r) => [r.name, r.target]));
    expect(targets).toMatchObject({
      'aggregated view: ours / Grafbase Gateway (Rust)': '>= 1.2x',
      'page at a random offset: ours / Grafbase Gateway (Rust)': '>= 1x',
      'hot document: ours / Grafbase Gateway (Rust)': '>= 1x',
      'aggregated view: ours / stock @apollo/gateway': '>= 2x',
      'page at a random offset: ours / stock @apollo/gateway': '>= 2x',
      'hot document: ours / stock @apollo/gateway': '>= 2x',
      'our gateway CPU per aggregated view (ms)': '<= 0.40 ms',
    });
    expect(ratios(by, 50).find((r) => r.name === 'our gateway CPU per aggregated view (ms)')).toMatchObject({
      value: 0.45,
      met: false,
    });
  });
});
