-- CreateTable
-- Nonces of signed requests whose writes committed here, written in the write's own
-- transaction: a replay to any replica collides on the key (subgraphs/kit/signature-nonces.ts).
CREATE TABLE "signature_nonces" (
    "nonce" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "signature_nonces_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
-- The pruner deletes expired nonces in batches by this index.
CREATE INDEX "signature_nonces_expires_at_idx" ON "signature_nonces"("expires_at");
