/**
 * What the vendored suites import as `../../testkit.js` (upstream: src/testkit.ts): a test is a
 * query and what the gateway must answer: `data` exactly, and `errors` when it is a boolean
 * (whether the answer has errors); see compare.ts.
 */
export interface AuditTest {
  query: string;
  expected: { data?: any; errors?: boolean };
}

export function createTest(query: string, expected: AuditTest['expected']): AuditTest {
  return { query, expected };
}
