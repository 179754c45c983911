/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the CPU time went, as the top
 * functions by self time, the same by package (node_modules/<pkg>, node: internals, our own
 * folders), and the top functions by inclusive time (time with the function on the stack).
 * `--last S` keeps only the last S seconds of the profile (the load, not the start-up);
 * `--exclude writev` leaves a function's self time out of the percentages: on a 2-core machine
 * the sampler charges `writev` with the time the kernel gives the CPU to the process that
 * receives the write (wall time, not this process's CPU).
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/<run>/gateway.cpuprofile [--top 25] [--last 11] [--exclude writev]
 */
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Row {
  name: string;
  ms: number;
  /** Share of the busy time (idle excluded). */
  pct: number;
}

export interface ProfileSummary {
  /** The time covered, and how much of it the process was busy (not idle, not `excluded`). */
  windowMs: number;
  busyMs: number;
  /** Self time of the excluded functions (left out of busyMs and the percentages). */
  excludedMs: Record<string, number>;
  selfByArea: Row[];
  selfByFunction: Row[];
  selfByPackage: Row[];
  inclusiveByFunction: Row[];
}

const ROOT = path.resolve(__dirname, '..');

/** A source file's path relative to the project, also for the bench's compiled copy (bench/lib/build.ts). */
function projectRelative(file: string): string | undefined {
  const build = /\/account-graph-bench-build-[^/]+\/(.*)$/.exec(file);
  if (build) return build[1];
  const rel = path.relative(ROOT, file);
  return rel.startsWith('..') ? undefined : rel;
}

/** node_modules/<pkg> (scoped too), node:<internal>, or our own top-level folder. */
export function packageOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url.startsWith('wasm:')) return '(wasm)';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const rel = projectRelative(file);
  return rel === undefined ? file : `(ours) ${rel.split('/')[0]}`;
}

const frameName = (f: CallFrame) => {
  if (!f.url) return f.functionName || '(anonymous)';
  const file = f.url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  const where = nm >= 0 ? file.slice(nm + 'node_modules/'.length) : (projectRelative(file) ?? file);
  return `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
};

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Coarse areas for "where does the time go": which layer a frame belongs to. */
const AREAS: [RegExp, string][] = [
  [
    /undici|webstreams|js_transferable|abort_controller|abort_listener|event_target|domexception|_http_client|_http_agent|node-fetch|make-fetch-happen|minipass/,
    'HTTP client to the subgraphs (fetch/undici, AbortSignal, streams)',
  ],
  [
    /_http_server|_http_incoming|_http_outgoing|_http_common|node:net|stream_base|node:internal\/streams|platform\/http|baselines\/serve/,
    'HTTP server and sockets',
  ],
  [
    /@apollo\/server|negotiator|content-type|@apollo\/utils|lru-cache|whatwg-mimetype/,
    'Apollo Server request pipeline',
  ],
  [
    /@apollo\/gateway|@apollo\/federation-internals|@apollo\/query-planner|@opentelemetry/,
    'gateway: query plans, fetches, result shaping',
  ],
  [/\/graphql\/|graphql-armor|@escape\.tech/, 'graphql-js (parse, validate, execute)'],
  [/@prisma|\/pg\/|\/pg-|\(wasm\)|wasm:/, 'Prisma and pg'],
  [/prom-client|pino|cockatiel/, 'metrics, logs, resilience'],
  [/dataloader|subgraphs\/|gateway\/rest|gateway\/resilience|baselines\//, 'our code'],
];

export function areaOf(url: string, functionName: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  const key = `${url} ${packageOf(url)}`;
  return (
    AREAS.find(([re]) => re.test(key))?.[1] ?? (url ? 'other JavaScript' : 'other native (V8 builtins, JSON, crypto)')
  );
}

export function summarizeProfile(
  profile: CpuProfile,
  opts: { top?: number; lastMs?: number; exclude?: string[] } = {},
): ProfileSummary {
  const exclude = new Set(opts.exclude ?? []);
  const excluded: Record<string, number> = {};
  const area = new Map<string, number>();
  const top = opts.top ?? 25;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = profile.timeDeltas.reduce((s, d) => s + d, 0);
  const from = opts.lastMs !== undefined ? total - opts.lastMs * 1000 : 0;
  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  const incl = new Map<string, number>();
  let t = 0;
  let windowUs = 0;
  let busyUs = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from) continue;
    windowUs += dt;
    const node = byId.get(profile.samples[i]!);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    if (exclude.has(node.callFrame.functionName)) {
      excluded[node.callFrame.functionName] = (excluded[node.callFrame.functionName] ?? 0) + dt / 1000;
      continue;
    }
    busyUs += dt;
    add(area, areaOf(node.callFrame.url, node.callFrame.functionName), dt);
    const special = SPECIAL.has(node.callFrame.functionName);
    add(self, special ? node.callFrame.functionName : frameName(node.callFrame), dt);
    add(pkg, special ? node.callFrame.functionName : packageOf(node.callFrame.url), dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (SPECIAL.has(f.functionName)) continue;
      const k = frameName(f);
      if (!seen.has(k)) {
        seen.add(k);
        add(incl, k, dt);
      }
    }
  }
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: busyUs ? (100 * us) / busyUs : 0 }));
  return {
    windowMs: windowUs / 1000,
    busyMs: busyUs / 1000,
    excludedMs: excluded,
    selfByArea: rows(area, 20),
    selfByFunction: rows(self, top),
    selfByPackage: rows(pkg, top),
    inclusiveByFunction: rows(incl, top),
  };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const table = (head: string, rows: Row[]) =>
    `${head}\n${rows.map((r) => `  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`).join('\n')}`;
  const left = Object.entries(s.excludedMs).map(([k, v]) => `${k} ${v.toFixed(0)} ms`);
  return [
    `${title}: ${s.busyMs.toFixed(0)} ms busy of ${s.windowMs.toFixed(0)} ms (${((100 * s.busyMs) / Math.max(1, s.windowMs)).toFixed(0)}%)${left.length ? `; left out: ${left.join(', ')}` : ''}`,
    table('self time by area', s.selfByArea),
    table('self time by package', s.selfByPackage.slice(0, 15)),
    table('self time by function', s.selfByFunction),
    table('inclusive time by function', s.inclusiveByFunction),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--last SECONDS]');
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const last = opt('last');
  const exclude = args.includes('--exclude') ? [args[args.indexOf('--exclude') + 1] ?? ''] : [];
  console.log(
    formatSummary(
      path.basename(file),
      summarizeProfile(profile, {
        top: opt('top') ?? 25,
        exclude,
        ...(last !== undefined ? { lastMs: last * 1000 } : {}),
      }),
    ),
  );
}
