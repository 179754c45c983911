/**
 * Prisma's own schema parser, in process: the prisma-schema WebAssembly module that the
 * installed `prisma` CLI ships (node_modules/prisma/build/prisma_schema_build_bg.wasm) and
 * itself uses for `prisma validate` and to build the DMMF that `prisma generate` feeds the
 * client generator. Calling it directly gives the authoritative model (ids, uniques, indexes,
 * defaults, @map/@@map, native types, relations) in ~0.2 s, offline, where the CLI takes ~4 s
 * per schema and @prisma/internals is not installed. Hand-parsing schema.prisma would be a
 * second, weaker interpretation of the language.
 *
 * The wasm-bindgen glue is small (four imports, string passing through linear memory) and
 * is reproduced here. It is tied to the module's ABI: if a Prisma upgrade changes it, loading
 * fails loudly with a message naming this file, never silently.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The parts of Prisma's DMMF datamodel the drift check reads. */
export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt?: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  hasDefaultValue: boolean;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique' | 'fulltext';
  dbName?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}

export interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}

export interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

/** A schema Prisma rejects; `message` is Prisma's own (P1012 with file:line excerpts). */
export class PrismaSchemaInvalid extends Error {
  override name = 'PrismaSchemaInvalid';
}

/** The slice of the WebAssembly JS API used here (this project's TypeScript libs do not declare it). */
interface WasmTable {
  get(index: number): unknown;
  set(index: number, value: unknown): void;
  grow(delta: number): number;
}
type WasmModule = { readonly __wasmModule?: never };
interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; imports(module: WasmModule): { module: string; name: string }[] };
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmApi };

interface Exports {
  memory: { buffer: ArrayBuffer };
  __wbindgen_externrefs: WasmTable;
  __wbindgen_start(): void;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __externref_table_dealloc(index: number): void;
  get_dmmf(ptr: number, len: number): [number, number, number, number];
  validate(ptr: number, len: number): [number, number];
}

let instance: Exports | undefined;

function load(): Exports {
  if (instance) return instance;
  const file = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'prisma_schema_build_bg.wasm');
  const module = new wasm.Module(fs.readFileSync(file));
  let ex: Exports | undefined;
  const text = (ptr: number, len: number) => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(ex!.memory.buffer, ptr >>> 0, len));
  // Import names carry a hash suffix that changes between builds; they are matched by prefix.
  const implementations: [string, (...args: number[]) => unknown][] = [
    ['__wbg_set_message_', () => undefined], // panic message registry: the panic also surfaces as an error
    ['__wbg_Error_', (ptr, len) => new Error(text(ptr!, len!))],
    ['__wbg___wbindgen_throw_', (ptr, len) => {
      throw new Error(text(ptr!, len!));
    }],
    ['__wbindgen_init_externref_table', () => {
      const table = ex!.__wbindgen_externrefs;
      const offset = table.grow(4);
      table.set(0, undefined);
      [undefined, null, true, false].forEach((v, i) => table.set(offset + i, v));
    }],
  ];
  const imports: Record<string, Record<string, (...args: number[]) => unknown>> = {};
  for (const imp of wasm.Module.imports(module)) {
    const impl = implementations.find(([prefix]) => imp.name.startsWith(prefix));
    if (!impl) {
      throw new Error(`${file} needs import ${imp.module}.${imp.name}, unknown to prisma/tools/prisma-schema-wasm.ts: the Prisma upgrade changed its ABI; update the glue there`);
    }
    (imports[imp.module] ??= {})[imp.name] = impl[1];
  }
  ex = new wasm.Instance(module, imports).exports as Exports;
  for (const fn of ['get_dmmf', 'validate', '__wbindgen_malloc', '__wbindgen_free', '__externref_table_dealloc'] as const) {
    if (typeof ex[fn] !== 'function') throw new Error(`${file} exports no ${fn}: update prisma/tools/prisma-schema-wasm.ts for this Prisma version`);
  }
  ex.__wbindgen_start();
  instance = ex;
  return ex;
}

function pass(ex: Exports, value: string): [number, number] {
  const bytes = new TextEncoder().encode(value);
  const ptr = ex.__wbindgen_malloc(bytes.length, 1) >>> 0;
  new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}

/** An error value the module returned through its externref table. */
function takeError(ex: Exports, index: number): PrismaSchemaInvalid {
  const value = ex.__wbindgen_externrefs.get(index) as unknown;
  ex.__externref_table_dealloc(index);
  const raw = value instanceof Error ? value.message : String(value);
  try {
    const parsed = JSON.parse(raw) as { error_code?: string; message?: string };
    return new PrismaSchemaInvalid(`${parsed.error_code ? `${parsed.error_code}: ` : ''}${parsed.message ?? raw}`);
  } catch {
    return new PrismaSchemaInvalid(raw);
  }
}

const request = (file: string, schema: string) => JSON.stringify({ prismaSchema: [[file, schema]], noColor: true });

/** Validates one schema file as `prisma validate` does; throws PrismaSchemaInvalid with Prisma's message. */
export function validatePrismaSchema(file: string, schema: string): void {
  const ex = load();
  const [ptr, len] = pass(ex, request(file, schema));
  const [errIndex, failed] = ex.validate(ptr, len);
  if (failed) throw takeError(ex, errIndex);
}

/** The DMMF datamodel of one schema file (throws PrismaSchemaInvalid when it does not validate). */
export function getDatamodel(file: string, schema: string): Datamodel {
  const ex = load();
  const [ptr, len] = pass(ex, request(file, schema));
  const [outPtr, outLen, errIndex, failed] = ex.get_dmmf(ptr, len);
  if (failed) throw takeError(ex, errIndex);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(ex.memory.buffer, outPtr >>> 0, outLen));
  } finally {
    ex.__wbindgen_free(outPtr, outLen, 1);
  }
  const dmmf = JSON.parse(json) as { datamodel: Datamodel };
  return { models: dmmf.datamodel.models, enums: dmmf.datamodel.enums ?? [], indexes: dmmf.datamodel.indexes ?? [] };
}
