-- CreateTable
-- Idempotency-Key header: key -> request fingerprint -> stored result, written in the same
-- transaction as the write it covers (subgraphs/kit/idempotency.ts).
CREATE TABLE "idempotency_keys" (
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "result" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("key")
);
