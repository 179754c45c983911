-- CreateTable
CREATE TABLE "account_images" (
    "account_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_images_pkey" PRIMARY KEY ("account_id")
);
