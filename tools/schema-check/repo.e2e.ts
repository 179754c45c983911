/**
 * Guards the repository: all five schema checks pass on the real files (SDL, supergraph,
 * HEAD or origin/main as the base, the real subgraph servers, the Prisma schemas and
 * migrations on scratch databases of the test cluster), and the report says so.
 */
import { adminUrl } from '../../tests/harness/db';
import { CHECK_NAMES, formatHuman, toJson } from './report';
import { runSchemaChecks } from './run';

describe('the repository', () => {
  it('passes every schema check', async () => {
    const results = await runSchemaChecks({ adminUrl: adminUrl() });
    expect(results.map((r) => r.name)).toEqual(CHECK_NAMES);
    const failing = results.filter((r) => r.status !== 'ok');
    // On failure, show the report itself: it says what to fix.
    expect(failing.length ? formatHuman(results) : '').toBe('');
    expect(toJson(results).ok).toBe(true);
  });

  it('runs a subset with `only`', async () => {
    const results = await runSchemaChecks({ only: ['freshness', 'composition'] });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['composition', 'ok'],
      ['freshness', 'ok'],
    ]);
  });
});
