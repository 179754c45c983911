/**
 * The command as CI runs it (`node --import tsx tools/schema-check/cli.ts`, what
 * `npm run schema:check` does): exit 0 on the real repository with its own throwaway
 * database, 1 with the JSON report when a check fails, 2 for usage errors.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHECK_NAMES } from './report';
import { removeCopies, tempDir } from '../../tests/harness/schema-copies';

afterAll(removeCopies);

const ROOT = path.resolve(__dirname, '../..');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/schema-check/cli.ts', ...args],
      { cwd: ROOT, timeout: 50_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run schema:check', () => {
  it('exits 0 on the real repository, with a readable report', async () => {
    const { code, stdout, stderr } = await cli();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const name of CHECK_NAMES) expect(stdout).toMatch(new RegExp(`^ok   ${name}: `, 'm'));
    expect(stdout).toMatch(/^schema check passed: 5 checks in [\d.]+ s$/m);
  });

  it('exits 1 with one JSON object when a check fails', async () => {
    const base = path.join(tempDir('cli-'), 'base.graphql');
    // A base API schema with a field the current one no longer has: a breaking removal.
    fs.writeFileSync(
      base,
      'type Query { account(id: ID!): Account, legacyAccounts: [Account!]! }\ntype Account { id: ID! }',
    );
    const { code, stdout } = await cli('--json', '--only', 'composition,breaking', '--base-file', base);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['composition', 'ok'],
      ['breaking', 'fail'],
    ]);
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(['durationMs', 'name', 'notes', 'problems', 'status']);
      expect(Array.isArray(c.problems) && Array.isArray(c.notes)).toBe(true);
    }
    expect(report.checks[1].problems).toEqual([
      expect.objectContaining({ where: 'Query.legacyAccounts', message: expect.stringMatching(/FIELD_REMOVED/) }),
    ]);
  });

  it.each([
    [['--bogus'], /^npm run schema:check: Unknown option '--bogus'/],
    [['--base-ref', 'no-such-ref-7c1e'], /--base-ref no-such-ref-7c1e: not a commit/],
    [['--only', 'composition,nope'], /--only: unknown check\(s\) nope/],
    [['--base-ref'], /Option '--base-ref <value>' argument missing/],
    [['--subgraph-url', 'billing=http://127.0.0.1:1/graphql'], /--subgraph-url: expected <name>=<url>/],
  ])('exits 2 on a usage error: %s', async (args, message) => {
    const { code, stderr } = await cli(...(args as string[]));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('reports a usage error as JSON with --json', async () => {
    const { code, stdout } = await cli('--json', '--base-ref', 'no-such-ref-7c1e');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      usageError: '--base-ref no-such-ref-7c1e: not a commit in this repository',
    });
  });
});
