-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quotes" (
    "id" INT4 NOT NULL,
    "language" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "quotes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "accounts_name_idx" ON "accounts"("name");

-- CreateIndex
CREATE INDEX "quotes_language_idx" ON "quotes"("language");

-- Reference data
INSERT INTO "quotes" ("id", "language", "text") VALUES
    (1, 'en', 'May the source be with you, always.'),
    (2, 'en', 'Simplicity is prerequisite for reliability.'),
    (3, 'en', 'Make it work, make it right, make it fast.'),
    (4, 'en', 'Premature optimization is the root of all evil.'),
    (5, 'sv', 'Den som väntar på något gott väntar aldrig för länge.'),
    (6, 'sv', 'Borta bra men hemma bäst.'),
    (7, 'de', 'Übung macht den Meister.'),
    (8, 'de', 'Aller Anfang ist schwer.'),
    (9, 'fr', 'Petit à petit, l''oiseau fait son nid.'),
    (10, 'es', 'Poco a poco se va lejos.');
