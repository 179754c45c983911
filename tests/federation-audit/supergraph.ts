/**
 * What the vendored suites import as `../../supergraph.js` (upstream: src/supergraph.ts): `serve`
 * defines a suite, its subgraphs and its tests. Upstream's `serve` mounts them on its fets
 * router; here it only records them, and run.ts serves, composes and queries them.
 */
import type { AuditSubgraph } from './subgraph';
import type { AuditTest } from './testkit';

export interface AuditSuite {
  id: string;
  subgraphs: readonly AuditSubgraph[];
  /**
   * The suite's tests, as upstream's `/<id>/tests` endpoint serves them: taken anew at each call
   * (a suite may make them per run, e.g. mutations' fresh request ids) and through JSON, so an
   * `undefined` in an expected answer is absent, as upstream's runner receives it.
   */
  tests(): AuditTest[];
}

export function serve(id: string, subgraphs: AuditSubgraph[], tests: AuditTest[] | (() => AuditTest[])): AuditSuite {
  const names = new Set<string>();
  for (const { name } of subgraphs) {
    if (names.has(name)) throw new Error(`Duplicate subgraph name ${name}`);
    names.add(name);
  }
  return {
    id,
    subgraphs,
    tests: () => JSON.parse(JSON.stringify(Array.isArray(tests) ? tests : tests())) as AuditTest[],
  };
}
