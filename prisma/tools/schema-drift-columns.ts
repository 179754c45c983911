/**
 * What one Prisma field should be as a column, and how the catalog's column differs: its
 * type (Prisma's cockroachdb/postgresql mapping, or the field's @db native type, compared
 * with format_type()), NOT NULL, and its default where the database holds it (now(),
 * autoincrement(), dbgenerated(), literals); uuid()/cuid()/… are filled in by the client.
 */
import type { CatalogColumn } from './db-catalog';
import type { DmmfEnum, DmmfField } from './prisma-schema-wasm';

/** The type Prisma creates for a field without @db: cockroachdb's defaults, as PostgreSQL prints them. */
const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Boolean: 'boolean',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const withArg = (base: string, args: string[], suffix = '') => (args.length ? `${base}(${args.join(',')})${suffix}` : `${base}${suffix}`);

/** @db.X native types of the cockroachdb connector (and the common postgresql ones), as format_type prints them. */
function nativeType(name: string, args: string[]): string | undefined {
  switch (name) {
    case 'String':
    case 'VarChar':
      return args.length ? `character varying(${args[0]})` : name === 'String' ? 'text' : 'character varying';
    case 'Text':
      return 'text';
    case 'Char':
      return `character(${args[0] ?? 1})`;
    case 'CatalogSingleChar':
      return '"char"';
    case 'Bit':
      return `bit(${args[0] ?? 1})`;
    case 'VarBit':
      return withArg('bit varying', args);
    case 'Bool':
    case 'Boolean':
      return 'boolean';
    case 'Bytes':
    case 'ByteA':
      return 'bytea';
    case 'Int2':
    case 'SmallInt':
      return 'smallint';
    case 'Int4':
    case 'Integer':
      return 'integer';
    case 'Int8':
    case 'BigInt':
      return 'bigint';
    case 'Float4':
    case 'Real':
      return 'real';
    case 'Float8':
    case 'DoublePrecision':
      return 'double precision';
    case 'Decimal':
      return withArg('numeric', args);
    case 'Date':
      return 'date';
    case 'Time':
      return withArg('time', args, ' without time zone');
    case 'Timetz':
      return withArg('time', args, ' with time zone');
    case 'Timestamp':
      return withArg('timestamp', args, ' without time zone');
    case 'Timestamptz':
      return withArg('timestamp', args, ' with time zone');
    case 'Uuid':
      return 'uuid';
    case 'Inet':
      return 'inet';
    case 'Oid':
      return 'oid';
    case 'JsonB':
      return 'jsonb';
    case 'Json':
      return 'json';
    default:
      return undefined;
  }
}

const unquote = (name: string) => name.replace(/^"(.*)"$/, '$1').replace(/""/g, '"');

export interface ExpectedType {
  /** format_type() text, with `[]` for lists. */
  type: string;
  /** How the schema says it, for messages: `String`, `String @db.String(255)`. */
  label: string;
}

/** The column type a field needs, or undefined (with the reason) when this check does not know it. */
export function expectedType(field: DmmfField, enums: DmmfEnum[]): ExpectedType | { unknown: string } {
  let type: string | undefined;
  let label = field.type;
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    type = nativeType(name, args);
    label = `${field.type} @db.${name}${args.length ? `(${args.join(', ')})` : ''}`;
    if (!type) return { unknown: `native type @db.${name} is not known to the drift check` };
  } else if (field.kind === 'enum') {
    const e = enums.find((x) => x.name === field.type);
    type = e?.dbName ?? field.type;
    label = `enum ${field.type}`;
  } else {
    type = SCALAR_TYPES[field.type];
    if (!type) return { unknown: `type ${field.type} is not known to the drift check` };
  }
  return { type: field.isList ? `${type}[]` : type, label: field.isList ? `${label}[]` : label };
}

export const sameType = (expected: string, actual: string) => unquote(expected) === unquote(actual.replace(/^"(.*)"(\[\])?$/, '$1$2'));

/** `'it''s'::text` → `it's`, `(0)::integer` → `0`: the literal inside casts and quotes. */
export function literalOf(expr: string): string {
  let s = expr.trim();
  for (;;) {
    const cast = s.match(/^(.*)::[\w\s".[\]()]+$/s);
    const paren = s.match(/^\((.*)\)$/s);
    if (cast?.[1] && !/^'[^']*$/.test(cast[1])) s = cast[1].trim();
    else if (paren?.[1] !== undefined) s = paren[1].trim();
    else break;
  }
  const quoted = s.match(/^'(.*)'$/s);
  return quoted ? quoted[1]!.replace(/''/g, "'") : s;
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

type FunctionDefault = { name: string; args: unknown[] };
const isFunctionDefault = (d: unknown): d is FunctionDefault => typeof d === 'object' && d !== null && 'name' in d && 'args' in d;

/** Client-generated defaults: nothing in the database. */
const CLIENT_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

/** Why the column's default does not fit the field's @default, or undefined when it does. */
export function defaultMismatch(field: DmmfField, column: CatalogColumn, enums: DmmfEnum[]): string | undefined {
  const dbDefault = column.default;
  const has = dbDefault !== null || column.identity;
  const shown = column.identity ? 'an identity' : `DEFAULT ${dbDefault}`;
  if (!field.hasDefaultValue || field.default === undefined) {
    return has ? `has ${shown} in the migrated database, but the field has no @default` : undefined;
  }
  const d = field.default;
  if (isFunctionDefault(d)) {
    if (CLIENT_DEFAULTS.has(d.name)) return undefined;
    if (d.name === 'now') return dbDefault && /current_timestamp|now\(\)/i.test(dbDefault) ? undefined : `should default to CURRENT_TIMESTAMP (@default(now())), has ${has ? shown : 'no default'}`;
    if (d.name === 'autoincrement' || d.name === 'sequence') {
      return column.identity || (dbDefault && /nextval\(|unique_rowid\(\)/i.test(dbDefault)) ? undefined : `should be generated (@default(${d.name}())), has ${has ? shown : 'no default'}`;
    }
    if (d.name === 'dbgenerated') return has ? undefined : `should have a database default (@default(dbgenerated(...))), has none`;
    return undefined;
  }
  if (Array.isArray(d)) return has ? undefined : `should have a default (@default([...])), has none`;
  if (!has || dbDefault === null) return `should default to ${JSON.stringify(d)}, has no default`;
  const literal = literalOf(dbDefault);
  let want = String(d);
  if (field.kind === 'enum') want = enums.find((e) => e.name === field.type)?.values.find((v) => v.name === d)?.dbName ?? want;
  const ok =
    typeof d === 'number' ? Number(literal) === d : field.type === 'Json' ? sameJson(literal, want) : field.type === 'Decimal' ? Number(literal) === Number(want) : literal === want;
  return ok ? undefined : `should default to ${JSON.stringify(d)}, has DEFAULT ${dbDefault}`;
}
