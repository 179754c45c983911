/**
 * Writes a load test's report folder bench/reports/<scenario>-<timestamp>/: summary.json
 * (headline, per-second series, marks), report.html (bench/report/html.ts) and chart.png
 * rendered from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { perSecond, summarize, type Sample } from '../lib/stats';
import type { Mark, Window } from './chart';
import { reportHtml } from './html';
import { renderPng } from './png';

export const REPORTS = path.resolve(__dirname, '../reports');

export interface ReportInput {
  scenario: string;
  command: string;
  samples: Sample[];
  durationMs: number;
  headline: Record<string, unknown>;
  marks?: Mark[];
  windows?: Window[];
  /** Anything else worth keeping in summary.json (checks, configuration). */
  details?: Record<string, unknown>;
}

export function percentilesByKind(samples: readonly Sample[]) {
  const kinds = [...new Set(samples.map((s) => s.kind).filter((k): k is string => !!k))];
  const of = (list: readonly Sample[]) => {
    const { count, p50, p95, p99, max } = summarize(list.map((s) => s.latencyMs));
    return { count, p50, p95, p99, max };
  };
  return Object.fromEntries([
    ['all', of(samples)],
    ...(kinds.length > 1 ? kinds.map((k) => [k, of(samples.filter((s) => s.kind === k))]) : []),
  ]);
}

export async function writeReport(
  input: ReportInput,
  dir = path.join(REPORTS, `${input.scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}`),
) {
  fs.mkdirSync(dir, { recursive: true });
  const seconds = perSecond(input.samples, Math.ceil(input.durationMs / 1000));
  const percentiles = percentilesByKind(input.samples);
  const date = new Date().toISOString();
  const summary = {
    scenario: input.scenario,
    command: input.command,
    date,
    headline: input.headline,
    percentiles,
    marks: input.marks ?? [],
    windows: input.windows ?? [],
    ...input.details,
    seconds,
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  const htmlPath = path.join(dir, 'report.html');
  fs.writeFileSync(
    htmlPath,
    reportHtml({
      title: `Load test: ${input.scenario}`,
      command: input.command,
      date,
      headline: input.headline,
      percentiles,
      seconds,
      marks: input.marks ?? [],
      windows: input.windows ?? [],
    }),
  );
  const png = await renderPng(htmlPath, path.join(dir, 'chart.png'));
  return { dir, png, summary };
}
