/**
 * A load test's report.html: one self-contained page (inline CSS and SVG, nothing fetched)
 * with the scenario, the command, the headline figures, the overall latency percentiles and
 * the chart over time.
 */
import { round } from '../lib/stats';
import { esc, svgChart, type ChartInput } from './chart';

export interface ReportPage extends ChartInput {
  title: string;
  command: string;
  date: string;
  /** Headline figures, shown as a two-column table (nested objects are shown as JSON). */
  headline: Record<string, unknown>;
  /** Overall latency percentiles, by request kind ('all', 'read', 'create'). */
  percentiles: Record<string, { count: number; p50: number; p95: number; p99: number; max: number }>;
}

const show = (v: unknown): string => {
  if (typeof v === 'number') return String(round(v));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
};

export function reportHtml(page: ReportPage): string {
  const rows = Object.entries(page.headline)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(show(v))}</td></tr>`)
    .join('\n');
  const pct = Object.entries(page.percentiles)
    .map(
      ([kind, p]) =>
        `<tr><th>${esc(kind)}</th><td>${p.count}</td><td>${show(p.p50)}</td><td>${show(p.p95)}</td><td>${show(p.p99)}</td><td>${show(p.max)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(page.title)}</title>
<style>
  body { font-family: sans-serif; margin: 24px; color: #222; width: 1120px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .meta { color: #666; margin-bottom: 16px; }
  code { background: #f4f4f4; padding: 1px 4px; }
  table { border-collapse: collapse; margin: 8px 24px 16px 0; font-size: 13px; }
  th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
  td { font-variant-numeric: tabular-nums; }
  .tables { display: flex; align-items: flex-start; }
</style></head>
<body>
<h1>${esc(page.title)}</h1>
<div class="meta">${esc(page.date)} &middot; <code>${esc(page.command)}</code></div>
<div class="tables">
<table>${rows}</table>
<table><tr><th>requests</th><th>count</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>
${pct}</table>
</div>
${svgChart(page)}
</body></html>
`;
}
