/**
 * The claim statement per dialect: on CockroachDB its scan is forced onto outbox_claim_idx
 * (`outbox@outbox_claim_idx`), so the optimizer cannot choose a full scan plus top-k that locks
 * the whole due backlog; PostgreSQL has no hints and gets the plain table. What each database
 * does with it: store-claim-plan.int.test.ts (PostgreSQL's plan), tests/cockroach-target.e2e.ts
 * (the hinted statement is what the relay sends with DATABASE_DIALECT=cockroachdb).
 */
import { claimStatement } from './store';

const text = (dialect: 'postgresql' | 'cockroachdb') => claimStatement('r1', 10, 30_000, dialect).sql;

test('CockroachDB: the claimed rows are read through outbox_claim_idx by construction', () => {
  expect(text('cockroachdb')).toMatch(/SELECT o\.id FROM outbox@outbox_claim_idx AS o\s/);
  // Only the claimed scan: the per-account NOT EXISTS probe and the UPDATE stay unhinted.
  expect(text('cockroachdb').match(/@/g)).toHaveLength(1);
});

test('PostgreSQL (the default): the same statement without the hint', () => {
  expect(text('postgresql')).toMatch(/SELECT o\.id FROM outbox AS o\s/);
  expect(claimStatement('r1', 10, 30_000).sql).toBe(text('postgresql'));
  expect(text('postgresql').replace('outbox AS o', 'outbox@outbox_claim_idx AS o')).toBe(text('cockroachdb'));
});
