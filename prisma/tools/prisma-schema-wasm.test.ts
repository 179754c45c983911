/**
 * The in-process glue to Prisma's schema wasm: its DMMF agrees with the model the generated
 * clients embed (names, @map/@@map, types), so the glue reads the module correctly; an
 * invalid schema is rejected with Prisma's own P1012 message, as `prisma validate` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS } from '../../platform/config';
import { getDatamodel, PrismaSchemaInvalid, validatePrismaSchema } from './prisma-schema-wasm';

const ROOT = path.resolve(__dirname, '../..');

interface RuntimeModel {
  dbName: string | null;
  fields: { name: string; kind: string; type: string; dbName?: string }[];
}

/** The runtimeDataModel that `prisma generate` wrote into generated/<ctx>/internal/class.ts. */
function runtimeDataModel(context: string): Record<string, RuntimeModel> {
  const source = fs.readFileSync(path.join(ROOT, 'generated', context, 'internal', 'class.ts'), 'utf8');
  const literal = source.match(/config\.runtimeDataModel = JSON\.parse\(("(?:[^"\\]|\\.)*")\)/)?.[1];
  if (!literal) throw new Error(`no runtimeDataModel in generated/${context}/internal/class.ts`);
  return (JSON.parse(JSON.parse(literal) as string) as { models: Record<string, RuntimeModel> }).models;
}

describe('prisma schema wasm', () => {
  it.each(CONTEXTS)('the %s DMMF agrees with the generated client', (context) => {
    const file = path.join(ROOT, 'prisma', context, 'schema.prisma');
    const dm = getDatamodel(file, fs.readFileSync(file, 'utf8'));
    const fromWasm = Object.fromEntries(
      dm.models.map((m) => [m.name, { dbName: m.dbName, fields: m.fields.map((f) => ({ name: f.name, kind: f.kind, type: f.type, ...(f.dbName ? { dbName: f.dbName } : {}) })) }]),
    );
    const generated = Object.fromEntries(Object.entries(runtimeDataModel(context)).map(([name, m]) => [name, { dbName: m.dbName, fields: m.fields }]));
    expect(fromWasm).toEqual(generated);
    expect(dm.indexes.length).toBeGreaterThan(0);
  });

  it('rejects an invalid schema with Prisma\'s message', () => {
    const schema = 'datasource db {\n  provider = "cockroachdb"\n}\n\nmodel A {\n  id Int @id\n  b  Strin\n}\n';
    expect(() => validatePrismaSchema('broken.prisma', schema)).toThrow(PrismaSchemaInvalid);
    expect(() => getDatamodel('broken.prisma', schema)).toThrow(/^P1012: .*Type "Strin" is neither a built-in type.*broken\.prisma:7/s);
    expect(() => validatePrismaSchema('ok.prisma', schema.replace('Strin', 'String'))).not.toThrow();
  });
});
