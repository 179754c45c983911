/**
 * Latency statistics shared by the benchmark and the load tests: exact percentiles of a
 * sample (nearest rank, as HdrHistogram and autocannon report them), and the per-second
 * series (throughput, p50/p95/p99, errors) that the live progress line and the charts use.
 */

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** One request of a load test, as the generators record it. */
export interface Sample {
  /** When it was due to be sent, in ms since the run started (open loop: latency counts from here). */
  t: number;
  /** Due time to the end of the response (or to the failure), in ms. */
  latencyMs: number;
  /** HTTP status; 0 when the request failed without an answer (refused, reset, timeout). */
  status: number;
  /** The answer was a success (2xx) and complete. */
  ok: boolean;
  /** A 2xx answer in which some part was replaced by a fallback (x-partial-response). */
  partial?: boolean;
  /** What the request was ('read', 'create'); the error text when it failed. */
  kind?: string;
  error?: string;
}

export interface SecondStats {
  /** Second since the start (0, 1, ...): requests due in [second, second + 1). */
  second: number;
  requests: number;
  ok: number;
  errors: number;
  partial: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Buckets samples by the second they were due in; seconds without requests are kept (zeros). */
export function perSecond(samples: readonly Sample[], seconds?: number): SecondStats[] {
  const last = samples.reduce((m, s) => Math.max(m, Math.floor(s.t / 1000)), -1);
  const n = seconds ?? last + 1;
  const buckets: Sample[][] = Array.from({ length: Math.max(0, n) }, () => []);
  for (const s of samples) {
    const i = Math.floor(s.t / 1000);
    if (i >= 0 && i < n) buckets[i]!.push(s);
  }
  return buckets.map((b, second) => {
    const lat = summarize(b.map((s) => s.latencyMs));
    return {
      second,
      requests: b.length,
      ok: b.filter((s) => s.ok).length,
      errors: b.filter((s) => !s.ok).length,
      partial: b.filter((s) => s.partial).length,
      p50: lat.p50,
      p95: lat.p95,
      p99: lat.p99,
      max: lat.max,
    };
  });
}

/** Rounds for reports: 2 decimals below 10, 1 below 1000, integers above; NaN stays NaN. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  const digits = Math.abs(v) < 10 ? 2 : Math.abs(v) < 1000 ? 1 : 0;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
