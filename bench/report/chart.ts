/**
 * An inline SVG chart of a load test, drawn by hand (no library, no CDN): latency p50/p95/p99
 * per second on a log scale, and below it the answers per second as stacked bars (complete,
 * degraded, failed), with the fault windows shaded and the events (kill, restore, healthy)
 * marked on both panels.
 */
import type { SecondStats } from '../lib/stats';

export interface Mark {
  /** ms since the run started. */
  t: number;
  label: string;
}

export interface Window {
  from: number;
  to: number;
  label: string;
}

export interface ChartInput {
  seconds: SecondStats[];
  marks?: Mark[];
  windows?: Window[];
  width?: number;
}

export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS = {
  p50: '#1f77b4',
  p95: '#9467bd',
  p99: '#d62728',
  ok: '#2ca02c',
  partial: '#ff9f1c',
  errors: '#d62728',
  grid: '#e3e3e3',
  axis: '#555',
};

/** 1, 2, 5, 10, 20, 50 ... up to and including the first at or above `max`. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(min)); decade <= max * 10; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v >= min && (ticks.length === 0 || ticks[ticks.length - 1]! < max)) ticks.push(v);
    }
  }
  return ticks;
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

export function svgChart(input: ChartInput): string {
  const width = input.width ?? 1100;
  const left = 64;
  const right = 20;
  const plotW = width - left - right;
  const latTop = 36;
  const latH = 260;
  const rpsTop = latTop + latH + 56;
  const rpsH = 170;
  const height = rpsTop + rpsH + 52;
  const n = Math.max(1, input.seconds.length);
  const x = (second: number) => left + (second / n) * plotW;
  const xMs = (ms: number) => x(ms / 1000);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);

  // Fault windows, shaded on both panels.
  for (const w of input.windows ?? []) {
    for (const [top, h] of [
      [latTop, latH],
      [rpsTop, rpsH],
    ] as const) {
      out.push(
        `<rect x="${xMs(w.from).toFixed(1)}" y="${top}" width="${Math.max(1, xMs(w.to) - xMs(w.from)).toFixed(1)}" height="${h}" fill="#ffe9e6"/>`,
      );
    }
    out.push(`<text x="${xMs(w.from) + 4}" y="${latTop + latH - 8}" fill="#b03a2e">${esc(w.label)}</text>`);
  }

  // Latency panel, log scale.
  const lats = input.seconds.flatMap((s) => [s.p50, s.p95, s.p99]).filter((v) => Number.isFinite(v) && v > 0);
  const minLat = Math.max(0.1, 10 ** Math.floor(Math.log10(Math.min(...lats, 1))));
  const maxLat = Math.max(...lats, minLat * 10);
  const ticks = logTicks(minLat, maxLat);
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) =>
    latTop +
    latH -
    ((Math.log10(Math.max(v, minLat)) - Math.log10(minLat)) / (Math.log10(top) - Math.log10(minLat))) * latH;
  out.push(
    `<text x="${left}" y="${latTop - 12}" font-size="14" font-weight="bold">Latency per second (ms, log scale)</text>`,
  );
  for (const t of ticks) {
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${COLORS.grid}"/>`,
    );
    out.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="${COLORS.axis}">${t}</text>`);
  }
  for (const key of ['p50', 'p95', 'p99'] as const) {
    let d = '';
    let pen = false;
    for (const s of input.seconds) {
      const v = s[key];
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${(x(s.second) + plotW / n / 2).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[key]}" stroke-width="${key === 'p99' ? 2 : 1.5}"/>`);
  }
  const legend = (items: [string, string][], yy: number) =>
    items.forEach(([label, color], i) => {
      const lx = left + plotW - 330 + i * 110;
      out.push(
        `<rect x="${lx}" y="${yy - 10}" width="12" height="12" fill="${color}"/><text x="${lx + 16}" y="${yy}">${esc(label)}</text>`,
      );
    });
  legend(
    [
      ['p50', COLORS.p50],
      ['p95', COLORS.p95],
      ['p99', COLORS.p99],
    ],
    latTop - 12,
  );

  // Throughput panel: stacked bars of complete, degraded and failed answers.
  const maxReq = niceCeil(Math.max(...input.seconds.map((s) => s.requests), 1));
  const yr = (v: number) => rpsTop + rpsH - (v / maxReq) * rpsH;
  out.push(
    `<text x="${left}" y="${rpsTop - 12}" font-size="14" font-weight="bold">Requests per second (by due time)</text>`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = (maxReq * i) / 4;
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${yr(v).toFixed(1)}" y2="${yr(v).toFixed(1)}" stroke="${COLORS.grid}"/>`,
    );
    out.push(`<text x="${left - 6}" y="${(yr(v) + 4).toFixed(1)}" text-anchor="end" fill="${COLORS.axis}">${v}</text>`);
  }
  const bw = Math.max(1, (plotW / n) * 0.8);
  for (const s of input.seconds) {
    const full = s.ok - s.partial;
    let base = 0;
    for (const [v, color] of [
      [full, COLORS.ok],
      [s.partial, COLORS.partial],
      [s.errors, COLORS.errors],
    ] as const) {
      if (v <= 0) continue;
      out.push(
        `<rect x="${(x(s.second) + plotW / n / 2 - bw / 2).toFixed(1)}" y="${yr(base + v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(yr(base) - yr(base + v)).toFixed(1)}" fill="${color}"/>`,
      );
      base += v;
    }
  }
  legend(
    [
      ['complete', COLORS.ok],
      ['degraded', COLORS.partial],
      ['failed', COLORS.errors],
    ],
    rpsTop - 12,
  );

  // Time axis and event marks.
  const step = [1, 2, 5, 10, 15, 30, 60, 120].find((st) => n / st <= 12) ?? 300;
  for (let s = 0; s <= n; s += step) {
    out.push(
      `<text x="${x(s).toFixed(1)}" y="${rpsTop + rpsH + 18}" text-anchor="middle" fill="${COLORS.axis}">${s}s</text>`,
    );
  }
  out.push(
    `<text x="${left + plotW / 2}" y="${rpsTop + rpsH + 38}" text-anchor="middle" fill="${COLORS.axis}">seconds since the load started</text>`,
  );
  for (const [i, m] of (input.marks ?? []).entries()) {
    const mx = xMs(m.t).toFixed(1);
    out.push(`<line x1="${mx}" x2="${mx}" y1="${latTop}" y2="${rpsTop + rpsH}" stroke="#333" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${Number(mx) + 3}" y="${latTop + 30 + (i % 3) * 14}" fill="#333">${esc(m.label)}</text>`);
  }
  for (const [top, h] of [
    [latTop, latH],
    [rpsTop, rpsH],
  ] as const) {
    out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="${COLORS.axis}"/>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
