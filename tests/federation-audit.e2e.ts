/**
 * The federation gateway audit (graphql-hive/federation-gateway-audit, vendored in
 * tests/federation-audit/) against this project's gateway, `startGateway` with its plugins,
 * limits, coalescing and resilience: each suite's subgraphs, its supergraph, every test query
 * sent twice (the second time the document is one the gateway has seen). The tests that pass must
 * be exactly those the stock @apollo/gateway passes: all but the known failures of its query
 * planner (tests/federation-audit/known-failures.ts), on each pass.
 */
import { testLogger } from './harness/log';
import { ourGateway } from './federation-audit/gateways';
import { againstStock, KNOWN_FAILURES } from './federation-audit/known-failures';
import { failureText } from './federation-audit/report';
import { PASSES, runAudit, type SuiteResult } from './federation-audit/run';
import { loadSuites } from './federation-audit/suites';

const suites = loadSuites();
let results: SuiteResult[];

beforeAll(async () => {
  results = await runAudit(suites, ourGateway(testLogger()));
}, 180_000);

test('every vendored suite ran, each with its tests', () => {
  expect(results.map((s) => s.id)).toEqual(suites.map((s) => s.id));
  expect(suites.length).toBeGreaterThanOrEqual(46);
  expect(results.filter((s) => s.tests.length === 0).map((s) => s.id)).toEqual([]);
});

test.each(Array.from({ length: PASSES }, (_, i) => i + 1))(
  'pass %i: exactly the tests the stock @apollo/gateway passes pass',
  (pass) => {
    const byId = new Map(results.flatMap((s) => s.tests).map((t) => [t.id, t]));
    const diff = againstStock(
      results,
      (t) => t.passes[pass - 1]!.ok,
      suites.map((s) => s.id),
    );
    expect({
      newFailures: diff.newFailures.map((id) => failureText(byId.get(id)!)),
      newPasses: diff.newPasses.map((id) => `${id} passes: remove it from KNOWN_FAILURES (${KNOWN_FAILURES[id]})`),
      unknown: diff.unknown,
    }).toEqual({ newFailures: [], newPasses: [], unknown: [] });
  },
);

test('known documents are answered by the lean path wherever the answer is plain data', () => {
  const queries = (t: SuiteResult['tests'][number]) => !/^mutation\b/.test(t.query.trim());
  const lean = (pass: number) => results.reduce((n, s) => n + s.leanAnswers[pass]!, 0);
  // First pass: only a document a suite sends again can have been known already.
  const repeated = results.flatMap((s) =>
    s.tests.filter((t, i) => queries(t) && t.passes[0]!.plain && s.tests.slice(0, i).some((u) => u.query === t.query)),
  );
  expect(lean(0)).toBeLessThanOrEqual(repeated.length);
  // Second pass: every query answered with data alone came from the lean path.
  const plain = results.flatMap((s) => s.tests).filter((t) => queries(t) && t.passes[1]!.plain);
  expect(plain.length).toBeGreaterThan(100);
  expect(lean(1)).toBe(plain.length);
});
