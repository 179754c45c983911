/**
 * What every load-test scenario gets and gives back, the two REST requests they send
 * (GET /accounts/{id}, POST /accounts), and the analysis of a fault window: failures,
 * degraded answers, the latency spike and the time to recover.
 */
import type { ContextName } from '../../platform/config';
import { HttpClient } from '../../platform/http-client';
import type { BenchCluster } from '../lib/cluster';
import type { Stack } from '../lib/services';
import { perSecond, summarize, type Sample } from '../lib/stats';
import type { Mark, Window } from '../report/chart';
import type { Live } from '../report/live';

export interface ScenarioContext {
  /** The gateway's base URL (http://127.0.0.1:port). */
  base: string;
  ids: { first: number; count: number };
  rate: number;
  durationMs: number;
  /** Fault scenarios: when the fault starts, how long it lasts, which subgraph. */
  faultAtMs: number;
  downMs: number;
  subgraph: ContextName;
  users: number;
  /** Set when the load test started the stack itself (fault scenarios need it). */
  stack?: Stack;
  cluster?: BenchCluster;
  /** The compiled project the stack runs (bench/lib/build.ts); unset: sources through tsx. */
  build?: string;
  live: Live;
  /** performance.now() of the load's start; `now()` is ms since then. */
  t0: number;
  now(): number;
}

export interface ScenarioResult {
  samples: Sample[];
  headline: Record<string, unknown>;
  marks?: Mark[];
  windows?: Window[];
  details?: Record<string, unknown>;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;

export const randomId = (ids: { first: number; count: number }) =>
  String(ids.first + Math.floor(Math.random() * ids.count));

/** Deadline of one load-test request. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** The load generator's client: pooled keep-alive connections (the global fetch costs several times its CPU a call: BENCHMARKS.md). */
const client = new HttpClient({ timeoutMs: REQUEST_TIMEOUT_MS, connections: 256 });

/** GET /accounts/{id}: ok on 200, degraded when x-partial-response names replaced parts. */
export async function readAccount(
  base: string,
  id: string,
): Promise<Omit<Sample, 't' | 'latencyMs'> & { body?: LegacyBody }> {
  const res = await client.send(`${base}/accounts/${encodeURIComponent(id)}`);
  const text = res.text;
  const partial = res.headers['x-partial-response'];
  return {
    status: res.status,
    ok: res.status === 200,
    kind: 'read',
    ...(partial ? { partial: true } : {}),
    ...(res.status === 200
      ? { body: JSON.parse(text) as LegacyBody }
      : { error: `HTTP ${res.status}: ${text.slice(0, 120)}` }),
  };
}

export interface LegacyBody {
  id: string;
  name: string;
  accountEvents: { ID: string; eventName: string; created: string }[];
}

/** POST /accounts {"name"}: ok on 201 with the new ID. */
export async function createAccount(
  base: string,
  name: string,
): Promise<Omit<Sample, 't' | 'latencyMs'> & { id?: string }> {
  const res = await client.send(`${base}/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const text = res.text;
  if (res.status !== 201)
    return { status: res.status, ok: false, kind: 'create', error: `HTTP ${res.status}: ${text.slice(0, 120)}` };
  return { status: res.status, ok: true, kind: 'create', id: (JSON.parse(text) as { ID: string }).ID };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultAnalysis {
  requests: number;
  failed: number;
  degraded: number;
  /** Latency before the fault (p50/p99 over that period). */
  before: { p50: number; p99: number };
  /** Worst per-second p99 and the worst single latency from the fault on. */
  spike: { worstSecondP99: number; max: number };
  /** From the restore to the first complete answer, and to the point after which every answer was complete. */
  recovery: { firstCompleteAfterRestoreMs: number | null; allCompleteAfterRestoreMs: number | null };
  failureKinds: Record<string, number>;
}

export function analyzeFault(samples: readonly Sample[], faultAt: number, restoreAt: number): FaultAnalysis {
  const complete = (s: Sample) => s.ok && !s.partial;
  const before = summarize(samples.filter((s) => s.t < faultAt).map((s) => s.latencyMs));
  const after = samples.filter((s) => s.t >= faultAt);
  const worstSecondP99 = perSecond(samples)
    .slice(Math.floor(faultAt / 1000))
    .reduce((m, s) => (Number.isFinite(s.p99) ? Math.max(m, s.p99) : m), 0);
  const firstComplete = samples.find((s) => s.t >= restoreAt && complete(s));
  // The last sample that was not complete; every one after it was.
  const lastBad = [...samples].reverse().find((s) => !complete(s));
  const allComplete = !lastBad
    ? restoreAt
    : lastBad.t < restoreAt
      ? restoreAt
      : samples.find((s) => s.t > lastBad.t)?.t;
  const failureKinds: Record<string, number> = {};
  for (const s of samples) {
    if (s.ok) continue;
    const kind = s.status ? `HTTP ${s.status}` : (s.error ?? 'failed');
    failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
  }
  return {
    requests: samples.length,
    failed: samples.filter((s) => !s.ok).length,
    degraded: samples.filter((s) => s.ok && s.partial).length,
    before: { p50: before.p50, p99: before.p99 },
    spike: { worstSecondP99, max: Math.max(0, ...after.map((s) => s.latencyMs)) },
    recovery: {
      firstCompleteAfterRestoreMs: firstComplete ? firstComplete.t - restoreAt : null,
      allCompleteAfterRestoreMs: allComplete === undefined ? null : allComplete - restoreAt,
    },
    failureKinds,
  };
}
