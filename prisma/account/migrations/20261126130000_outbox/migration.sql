-- CreateTable
CREATE TABLE "outbox" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "seq" INT8 NOT NULL,
    "event_name" TEXT NOT NULL,
    "occurred_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INT4 NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_by" TEXT,
    "claimed_until" TIMESTAMP(3),
    "last_error" TEXT,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_account_id_seq_key" ON "outbox"("account_id", "seq");

-- CreateIndex
CREATE INDEX "outbox_delivered_at_next_attempt_at_idx" ON "outbox"("delivered_at", "next_attempt_at");
