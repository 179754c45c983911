/**
 * Check 5 (Prisma schema vs migrations) against the test PostgreSQL (scratch databases
 * created and dropped by the check), on copies of a context's schema and migrations broken
 * on purpose: a field without a migration, a column type, nullability or default that
 * differs, a missing or extra index, a missing or different foreign key, an extra table,
 * an invalid schema, a migration that fails.
 */
import { adminQuery, adminUrl } from '../../tests/harness/db';
import { copyPrisma, removeCopies, type PrismaCopy } from '../../tests/harness/schema-copies';
import { checkSchemaDrift, defaultDriftTargets } from './schema-drift';
import { literalOf } from './schema-drift-columns';

afterAll(removeCopies);

const LATER = '20991231000000_test';

async function drift(copy: PrismaCopy) {
  return checkSchemaDrift([{ context: copy.context, schemaPath: copy.schemaPath, migrationsDir: copy.migrationsDir }], { adminUrl: adminUrl() });
}

const messages = (o: { problems: { where?: string; message: string }[] }) => o.problems.map((p) => `${p.where}: ${p.message}`);

describe('Prisma schema drift', () => {
  it('the real schemas match their migrations, and the scratch databases are dropped', async () => {
    const outcome = await checkSchemaDrift(defaultDriftTargets(), { adminUrl: adminUrl() });
    expect(outcome.problems).toEqual([]);
    expect(outcome.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^account: \d+ model\(s\) in prisma\/account\/schema\.prisma, \d+ migration\(s\) applied$/)]));
    expect(await adminQuery("SELECT datname FROM pg_database WHERE datname LIKE 'drift\\_%'")).toEqual([]);
  });

  it('a model field without its migration names the field and the missing column', async () => {
    const copy = copyPrisma('account');
    copy.editSchema('  attempts      Int       @default(0)', '  attempts      Int       @default(0)\n  priority      Int       @default(0)');
    expect(messages(await drift(copy))).toEqual(['account: OutboxEvent.priority: column outbox.priority is missing from the migrated database (no migration creates it)']);
  });

  it('a model without any migration lists its fields', async () => {
    const copy = copyPrisma('image');
    copy.editSchema(/$/, '\nmodel Thumbnail {\n  id  String @id\n  url String\n  @@map("thumbnails")\n}\n');
    const { problems } = await drift(copy);
    expect(problems).toEqual([
      { where: 'image: Thumbnail', message: 'table thumbnails is missing from the migrated database (no migration creates it)', detail: ['Thumbnail.id → thumbnails.id', 'Thumbnail.url → thumbnails.url'] },
    ]);
  });

  it('a migration column type differing from the schema fails', async () => {
    const copy = copyPrisma('account');
    copy.addMigration(LATER, 'ALTER TABLE "quotes" ALTER COLUMN "language" TYPE VARCHAR(8);\nALTER TABLE "outbox" ALTER COLUMN "seq" TYPE INT4;');
    expect(messages(await drift(copy))).toEqual([
      'account: Quote.language: column quotes.language is character varying(8) in the migrated database, the schema says String (text)',
      'account: OutboxEvent.seq: column outbox.seq is integer in the migrated database, the schema says BigInt (bigint)',
    ]);
  });

  it('a native type (@db) is compared as such', async () => {
    const copy = copyPrisma('account');
    copy.editSchema('  language String\n', '  language String @db.String(8)\n');
    copy.addMigration(LATER, 'ALTER TABLE "quotes" ALTER COLUMN "language" TYPE VARCHAR(8);');
    expect(messages(await drift(copy))).toEqual([]);
    copy.editSchema('@db.String(8)', '@db.String(16)');
    expect(messages(await drift(copy))).toEqual([
      'account: Quote.language: column quotes.language is character varying(8) in the migrated database, the schema says String @db.String(16) (character varying(16))',
    ]);
  });

  it('nullability and defaults that differ fail', async () => {
    const copy = copyPrisma('account');
    copy.addMigration(LATER, 'ALTER TABLE "accounts" ALTER COLUMN "name" DROP NOT NULL;\nALTER TABLE "accounts" ALTER COLUMN "created_at" DROP DEFAULT;\nALTER TABLE "outbox" ALTER COLUMN "attempts" SET DEFAULT 1;\nALTER TABLE "quotes" ALTER COLUMN "text" SET DEFAULT \'\';');
    expect(messages(await drift(copy))).toEqual([
      'account: Account.name: column accounts.name is nullable in the migrated database, the field is required',
      'account: Account.createdAt: column accounts.created_at should default to CURRENT_TIMESTAMP (@default(now())), has no default',
      "account: Quote.text: column quotes.text has DEFAULT ''::text in the migrated database, but the field has no @default",
      'account: OutboxEvent.attempts: column outbox.attempts should default to 0, has DEFAULT 1',
    ]);
  });

  it('a missing index, a unique one that is plain, and an index the schema lacks fail', async () => {
    const copy = copyPrisma('account');
    copy.addMigration(
      LATER,
      'DROP INDEX "accounts_name_idx";\nDROP INDEX "outbox_account_id_seq_key";\nCREATE INDEX "outbox_account_id_seq_idx" ON "outbox"("account_id", "seq");\nCREATE INDEX "quotes_text_idx" ON "quotes"("text");',
    );
    expect(messages(await drift(copy))).toEqual([
      'account: Account: index on accounts(name) (@@index) is missing from the migrated database',
      'account: Quote: index quotes_text_idx on quotes(text) exists in the migrated database but not in the schema',
      'account: OutboxEvent: index outbox_account_id_seq_idx on outbox(account_id, seq) is not unique in the migrated database, the schema has @@unique',
    ]);
  });

  it('a relation without its foreign key, or with other actions, fails', async () => {
    const copy = copyPrisma('data');
    copy.editSchema('  created   DateTime @default(now())\n', '  created   DateTime @default(now())\n  tags      EventTag[]\n');
    copy.editSchema(/$/, '\nmodel EventTag {\n  id      String       @id\n  eventId String       @map("event_id")\n  event   AccountEvent @relation(fields: [eventId], references: [id])\n  @@index([eventId])\n  @@map("event_tags")\n}\n');
    copy.addMigration(LATER, 'CREATE TABLE "event_tags" ("id" TEXT NOT NULL PRIMARY KEY, "event_id" TEXT NOT NULL);\nCREATE INDEX "event_tags_event_id_idx" ON "event_tags"("event_id");');
    expect(messages(await drift(copy))).toEqual(['data: EventTag.event: foreign key event_tags(event_id) → account_events(id) (@relation) is missing from the migrated database']);
    copy.addMigration(`${LATER}2`, 'ALTER TABLE "event_tags" ADD CONSTRAINT "event_tags_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "account_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;');
    expect(messages(await drift(copy))).toEqual(['data: EventTag.event: foreign key event_tags_event_id_fkey is ON DELETE CASCADE, the schema says RESTRICT']);
    copy.editSchema('references: [id])', 'references: [id], onDelete: Cascade)');
    expect(messages(await drift(copy))).toEqual([]);
  });

  it('a table or column no model maps to fails', async () => {
    const copy = copyPrisma('image');
    copy.addMigration(LATER, 'CREATE TABLE "leftovers" ("id" INT4 PRIMARY KEY);\nALTER TABLE "account_images" ADD COLUMN "alt" TEXT;');
    expect(messages(await drift(copy))).toEqual([
      'image: AccountImage: column account_images.alt exists in the migrated database but no field of AccountImage maps to it',
      expect.stringMatching(/^image: .*\/image\/schema\.prisma: table leftovers exists in the migrated database but no model maps to it$/),
    ]);
  });

  it('an invalid schema fails with Prisma\'s own message; a failing migration fails', async () => {
    const invalid = copyPrisma('image');
    invalid.editSchema('url       String', 'url       Strin');
    const { problems } = await drift(invalid);
    expect(problems[0]!.message).toBe('does not validate (as `prisma validate` would say)');
    expect(problems[0]!.detail!.join('\n')).toMatch(/P1012.*Type "Strin" is neither a built-in type/s);
    const broken = copyPrisma('image');
    broken.addMigration(LATER, 'ALTER TABLE "no_such_table" ADD COLUMN "x" TEXT;');
    expect(messages(await drift(broken))[0]).toMatch(/migrations do not apply to an empty database: migration 20991231000000_test failed: relation "no_such_table" does not exist/);
  });

  it('reads literals out of PostgreSQL default expressions', () => {
    expect(literalOf("'it''s'::text")).toBe("it's");
    expect(literalOf("'-1'::integer")).toBe('-1');
    expect(literalOf("'{}'::jsonb")).toBe('{}');
    expect(literalOf('\'RED\'::"Color"')).toBe('RED');
    expect(literalOf('CURRENT_TIMESTAMP')).toBe('CURRENT_TIMESTAMP');
    expect(literalOf("'a::b'::text")).toBe('a::b');
  });
});
