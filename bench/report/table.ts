/** Plain-text and Markdown tables of the benchmark's results (stdout, bench/results/latest.md). */
import { round } from '../lib/stats';

export type Cell = string | number;

const fmt = (c: Cell) => (typeof c === 'number' ? (Number.isFinite(c) ? String(round(c)) : '-') : c);

/** Columns padded to their widest cell; numbers right-aligned. */
export function textTable(head: string[], rows: Cell[][]): string {
  const cells = [head, ...rows.map((r) => r.map(fmt))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], raw?: Cell[]) =>
    r.map((c, i) => (typeof raw?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.map(fmt), r))].join('\n');
}

export function markdownTable(head: string[], rows: Cell[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `|${head.map((_, i) => (rows.some((r) => typeof r[i] === 'number') ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => esc(fmt(c))).join(' | ')} |`),
  ].join('\n');
}
