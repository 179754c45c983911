/**
 * The vendored suites (suites/<id>/index.ts), every folder of suites/, sorted by id as upstream
 * sorts them. They are loaded by path rather than imported: the root tsconfig leaves them out (they
 * are type-checked under their own suites/tsconfig.json, see README.md), and a refresh that brings
 * a new suite needs no edit here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditSuite } from './supergraph';

export const SUITES_DIR = path.join(__dirname, 'suites');

export function loadSuites(): AuditSuite[] {
  const ids = fs
    .readdirSync(SUITES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  return ids
    .map((id) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- by path: see above
      const suite = (require(path.join(SUITES_DIR, id, 'index')) as { default: AuditSuite }).default;
      if (suite.id !== id) throw new Error(`suites/${id}/index.ts serves a suite named ${suite.id}`);
      return suite;
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
