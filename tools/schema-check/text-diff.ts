/**
 * A short unified-style line diff for reports: `-` lines only in the expected text, `+`
 * lines only in the actual one, a little context around each change, long diffs cut.
 * Plain LCS over lines; the texts compared here are a few hundred lines at most.
 */

export interface DiffOptions {
  /** Unchanged lines shown around each change. */
  context?: number;
  /** At most this many output lines (the rest is summarised). */
  maxLines?: number;
  expectedLabel?: string;
  actualLabel?: string;
}

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function diffOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]!, a: i++, b: j++ });
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: '-', line: a[i]!, a: i++, b: j });
    } else {
      ops.push({ kind: '+', line: b[j]!, a: i, b: j++ });
    }
  }
  return ops;
}

/** The differing lines of two texts with context; empty when they are equal. */
export function lineDiff(expected: string, actual: string, opts: DiffOptions = {}): string[] {
  if (expected === actual) return [];
  const context = opts.context ?? 2;
  const maxLines = opts.maxLines ?? 40;
  const ops = diffOps(expected.split('\n'), actual.split('\n'));
  const keep = new Set<number>();
  ops.forEach((op, k) => {
    if (op.kind === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) keep.add(c);
  });
  const out = [`--- ${opts.expectedLabel ?? 'expected'}`, `+++ ${opts.actualLabel ?? 'actual'}`];
  let last = -1;
  for (let k = 0; k < ops.length; k++) {
    if (!keep.has(k)) continue;
    const op = ops[k]!;
    if (k !== last + 1) out.push(`@@ line ${op.a + 1} / ${op.b + 1} @@`);
    out.push(`${op.kind}${op.line}`);
    last = k;
  }
  if (out.length > maxLines) {
    const changed = ops.filter((o) => o.kind !== ' ').length;
    return [...out.slice(0, maxLines), `… (${out.length - maxLines} more diff lines; ${changed} lines differ in all)`];
  }
  return out;
}
