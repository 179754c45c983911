/**
 * The result every schema check returns, and its two renderings: a readable report for
 * people (default) and one JSON object for tools (`--json`). A check fails when it has at
 * least one problem; notes (hints, dangerous changes, skipped parts) never fail it.
 */

export type CheckName = 'composition' | 'freshness' | 'breaking' | 'subgraph-sdl' | 'prisma-drift';

export const CHECK_NAMES: readonly CheckName[] = [
  'composition',
  'freshness',
  'breaking',
  'subgraph-sdl',
  'prisma-drift',
];

export const CHECK_TITLES: Record<CheckName, string> = {
  composition: 'subgraph SDL files compose',
  freshness: 'committed supergraph is a fresh composition',
  breaking: 'no unacknowledged breaking change to the API schema',
  'subgraph-sdl': 'running subgraphs serve their SDL files',
  'prisma-drift':
    'Prisma schemas match what their migrations build (Prisma migrate diff); migration files keep the statement rules',
};

export interface Problem {
  /** Where it is: a subgraph, a file:line, a schema coordinate, a context. */
  where?: string;
  message: string;
  /** Extra lines (a diff, the coordinates involved). */
  detail?: string[];
}

export interface CheckResult {
  name: CheckName;
  status: 'ok' | 'fail';
  problems: Problem[];
  notes: string[];
  durationMs: number;
}

export function result(name: CheckName, problems: Problem[], notes: string[], startedAt: number): CheckResult {
  return { name, status: problems.length ? 'fail' : 'ok', problems, notes, durationMs: Date.now() - startedAt };
}

/** Runs one check, turning an unexpected exception into a failing result instead of a crash. */
export async function guarded(
  name: CheckName,
  run: () => Promise<Omit<CheckResult, 'durationMs' | 'name' | 'status'>>,
): Promise<CheckResult> {
  const startedAt = Date.now();
  try {
    const { problems, notes } = await run();
    return result(name, problems, notes, startedAt);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return result(name, [{ message: `the check could not run: ${message}` }], [], startedAt);
  }
}

export interface JsonReport {
  ok: boolean;
  checks: { name: CheckName; status: 'ok' | 'fail'; problems: Problem[]; notes: string[]; durationMs: number }[];
}

export function toJson(results: CheckResult[]): JsonReport {
  return { ok: results.every((r) => r.status === 'ok'), checks: results.map((r) => ({ ...r })) };
}

const indent = (lines: string[], by: string) => lines.map((l) => (l ? by + l : l));

export function formatHuman(results: CheckResult[], totalMs?: number): string {
  const out: string[] = [];
  for (const r of results) {
    const mark = r.status === 'ok' ? 'ok  ' : 'FAIL';
    out.push(`${mark} ${r.name}: ${CHECK_TITLES[r.name]} (${r.durationMs} ms)`);
    for (const p of r.problems) {
      out.push(`  ✗ ${p.where ? `${p.where}: ` : ''}${p.message}`);
      if (p.detail?.length) out.push(...indent(p.detail, '      '));
    }
    for (const n of r.notes) {
      const [first = '', ...rest] = n.split('\n');
      out.push(`  · ${first}`, ...indent(rest, '    '));
    }
  }
  const failed = results.filter((r) => r.status === 'fail');
  const time = totalMs === undefined ? '' : ` in ${(totalMs / 1000).toFixed(1)} s`;
  out.push('');
  out.push(
    failed.length
      ? `schema check FAILED: ${failed.map((r) => r.name).join(', ')} (${failed.length} of ${results.length} checks)${time}`
      : `schema check passed: ${results.length} checks${time}`,
  );
  return out.join('\n');
}
