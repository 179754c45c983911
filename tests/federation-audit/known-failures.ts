/**
 * The audit's tests that the stock @apollo/gateway fails, by id, each with why: its query
 * planner's doing, which this project's gateway runs unchanged, so it fails the same ones.
 * Upstream's gateways/apollo-gateway/results.txt lists the same six (`npm run audit:federation --
 * --stock` shows them live). Our gateway must pass exactly every other test: a test that starts
 * failing is a regression, and one that starts passing means this list is out of date.
 */
import type { SuiteResult, TestResult } from './run';

export const KNOWN_FAILURES: Readonly<Record<string, string>> = {
  'keys-mashup_0':
    'the planner reaches subgraph b with the key `compositeId { one two }` that b declares resolvable: false; b answers null, which nulls `b`',
  'non-resolvable-interface-object_1':
    'Node.field lives only on a non-resolvable @interfaceObject: the planner fetches nothing and answers { a: null } instead of an error',
  'requires-with-argument_2':
    "the client's comments(limit: 1) is merged with @requires' comments(limit: 3): one fetch with limit 3 answers both",
  'requires-with-argument_3': 'as requires-with-argument_2, with the limit in a variable ($limit = 1)',
  'requires-with-argument_4': 'as requires-with-argument_2, with the field in two fragments',
  'requires-with-argument-conflict_0':
    'two @requires need price(currency: "USD") and price(currency: "EUR"): the planner fetches only the EUR one for both',
};

export interface AgainstStock {
  /** Tests the stock gateway passes that failed here. */
  newFailures: string[];
  /** Known failures that passed here (the list above is out of date). */
  newPasses: string[];
  /** Known failures that name no test (a refresh renamed or removed it), among the suites run or on disk. */
  unknown: string[];
}

/**
 * How the results differ from the stock gateway's, judged on `ok` (a pass, or every pass);
 * `suiteIds` are every vendored suite's, run or not.
 */
export function againstStock(
  results: readonly SuiteResult[],
  ok: (t: TestResult) => boolean,
  suiteIds: readonly string[],
): AgainstStock {
  const tests = results.flatMap((s) => s.tests);
  const ran = new Set(results.map((s) => s.id));
  const suiteOf = (id: string) => id.replace(/_\d+$/, '');
  const known = (id: string) => id in KNOWN_FAILURES;
  return {
    newFailures: tests.filter((t) => !ok(t) && !known(t.id)).map((t) => t.id),
    newPasses: tests.filter((t) => ok(t) && known(t.id)).map((t) => t.id),
    unknown: Object.keys(KNOWN_FAILURES).filter((id) =>
      ran.has(suiteOf(id)) ? !tests.some((t) => t.id === id) : !suiteIds.includes(suiteOf(id)),
    ),
  };
}
