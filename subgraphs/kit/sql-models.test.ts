/**
 * The hand-written hot reads (kit/sql.ts) select exactly their Prisma model, as schema.prisma
 * declares it: every scalar field, each from its `@map` column, from the model's `@@map` table.
 * With the type check (the column maps satisfy the generated `<Model>ScalarFieldEnum`), a field
 * added to a model, renamed or remapped fails here, in the unit lane, before any database
 * starts; kit/sql.e2e.ts then compares the rows with Prisma's own on a real database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ACCOUNTS_BY_ID } from '../account/loaders';
import { EVENTS_BY_ACCOUNT } from '../data/loaders';
import { IMAGES_BY_ACCOUNT } from '../image/loaders';
import type { Statement } from './sql';

interface PrismaModel {
  table: string;
  /** Scalar field → column. */
  columns: Record<string, string>;
}

const SCALARS = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean', 'DateTime', 'Json', 'Bytes']);

/** The models of a schema.prisma: the subset of its grammar these checks need (fields, @map, @@map). */
function prismaModels(schema: string): Map<string, PrismaModel> {
  const models = new Map<string, PrismaModel>();
  for (const m of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const [, name, body] = m as unknown as [string, string, string];
    const columns: Record<string, string> = {};
    let table = name;
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const tableMap = /^@@map\("([^"]+)"\)/.exec(line);
      if (tableMap) table = tableMap[1]!;
      const field = /^(\w+)\s+(\w+)(\??|\[\])\s*(.*)$/.exec(line);
      if (!field || !SCALARS.has(field[2]!)) continue;
      columns[field[1]!] = /@map\("([^"]+)"\)/.exec(field[4]!)?.[1] ?? field[1]!;
    }
    models.set(name!, { table, columns });
  }
  return models;
}

const schemaOf = (context: string) =>
  prismaModels(fs.readFileSync(path.resolve(__dirname, `../../prisma/${context}/schema.prisma`), 'utf8'));

describe.each(
  (
    [
      ['account', ACCOUNTS_BY_ID],
      ['data', EVENTS_BY_ACCOUNT],
      ['image', IMAGES_BY_ACCOUNT],
    ] as [string, Statement][]
  ).map(([context, statement]) => [context, statement.name, statement] as const),
)('%s: %s', (context, _name, statement) => {
  test("selects every scalar field of its model, from the model's own columns and table", () => {
    const model = statement.model!;
    const declared = schemaOf(context).get(model.model);
    expect(declared).toBeDefined();
    expect({ table: model.table, columns: { ...model.columns } }).toEqual(declared);
    for (const [field, column] of Object.entries(model.columns))
      expect(statement.text).toContain(column === field ? `"${field}"` : `"${column}" AS "${field}"`);
  });
});

test('the schema reader sees fields, maps and relations as schema.prisma writes them', () => {
  const models = prismaModels(`model A {
  id     String   @id
  born   DateTime @default(now()) @map("born_at") // a comment
  note   String?
  tags   String[]
  b      B        @relation(fields: [id], references: [id])

  @@map("as")
}`);
  expect(models.get('A')).toEqual({ table: 'as', columns: { id: 'id', born: 'born_at', note: 'note', tags: 'tags' } });
});
