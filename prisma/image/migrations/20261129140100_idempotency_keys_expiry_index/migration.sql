-- CreateIndex
-- The pruner deletes expired keys in batches by this index.
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");
