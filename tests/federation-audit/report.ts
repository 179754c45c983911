/**
 * The audit's report as upstream's `test` command writes results.txt (src/cli.ts): each suite's
 * id, then one `.` (passed) or `X` (failed) per test, then the totals. A test counts as passed
 * when every pass matched; the lines after the totals say how each pass did and how the run
 * compares with the stock gateway's known failures (known-failures.ts).
 */
import type { AgainstStock } from './known-failures';
import { passed, type SuiteResult, type TestResult } from './run';

/** A failed test: its id, its query and, for each pass that did not match, what came back. */
export function failureText(t: TestResult): string {
  const passes = t.passes.flatMap((p, i) => (p.ok ? [] : [`pass ${i + 1}: ${p.detail}`]));
  return [`${t.id}${t.passes.some((p) => p.ok) ? ' (not on every pass)' : ''}`, t.query.trim(), ...passes].join('\n');
}

export function resultsText(results: readonly SuiteResult[], stock: AgainstStock): string {
  const tests = results.flatMap((s) => s.tests);
  const count = tests.filter(passed).length;
  const passes = Math.max(0, ...tests.map((t) => t.passes.length));
  const perPass = Array.from(
    { length: passes },
    (_, i) => `Pass ${i + 1}: ${tests.filter((t) => t.passes[i]?.ok).length} passed`,
  );
  const list = (label: string, ids: string[]) => (ids.length ? [`${label}:`, ...ids.map((id) => `  ${id}`)] : []);
  const same = stock.newFailures.length + stock.newPasses.length + stock.unknown.length === 0;
  return [
    ...results.flatMap((s) => [s.id, s.tests.map((t) => (passed(t) ? '.' : 'X')).join('')]),
    '',
    '---',
    `Total: ${tests.length}`,
    `Passed: ${count}`,
    `Failed: ${tests.length - count}`,
    '',
    ...perPass,
    same
      ? 'Against the stock @apollo/gateway: the same tests pass (known failures: tests/federation-audit/known-failures.ts)'
      : 'Against the stock @apollo/gateway: DIFFERENT',
    ...list('Failing here, passing on the stock gateway', stock.newFailures),
    ...list('Passing here, listed as known failures', stock.newPasses),
    ...list('Known failures that name no test', stock.unknown),
  ].join('\n');
}
