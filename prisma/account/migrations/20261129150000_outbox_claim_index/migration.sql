-- The relay's claim order, provided by an index below the lock: undelivered rows only
-- (a partial index), by next attempt, then age. Without it CockroachDB sorts above the
-- lock of `... ORDER BY ... LIMIT n FOR UPDATE SKIP LOCKED` and locks the whole backlog
-- (cockroachdb/cockroach#143017), so a second relay skips nearly everything.
-- One schema change in this file (CockroachDB runs each statement in its own transaction).
-- CreateIndex
CREATE INDEX "outbox_claim_idx" ON "outbox"("next_attempt_at", "occurred_at", "account_id", "seq") WHERE "delivered_at" IS NULL;
