/**
 * Compares a Prisma datamodel (DMMF) with the catalog of the database its migrations
 * built: every model's table (@@map), every scalar/enum field's column (@map) with type,
 * nullability and default (schema-drift-columns.ts), the primary key, unique and plain
 * indexes by key columns (order and DESC included, names not), foreign keys of relations
 * (columns, referenced table/columns, ON DELETE/ON UPDATE) and enums. What the database
 * has beyond the schema (tables, columns, indexes, foreign keys, enums) is drift as well:
 * `prisma migrate diff` would want to drop it.
 */
import type { ActionCode, Catalog, CatalogColumn, CatalogTable } from './db-catalog';
import type { Datamodel, DmmfField, DmmfModel } from './prisma-schema-wasm';
import { defaultMismatch, expectedType, sameType } from './schema-drift-columns';

export interface DriftProblem {
  where?: string;
  message: string;
  detail?: string[];
}

export interface CompareOptions {
  /** `relationMode = "prisma"` in the datasource: relations have no foreign keys. */
  relationMode?: 'foreignKeys' | 'prisma';
  /** Tables that are not the schema's (default: Prisma's own `_prisma_migrations`). */
  ignoreTables?: string[];
}

const ACTIONS: Record<string, ActionCode> = { NoAction: 'a', Restrict: 'r', Cascade: 'c', SetNull: 'n', SetDefault: 'd' };
const ACTION_NAMES: Record<ActionCode, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;
const isColumn = (f: DmmfField) => f.kind === 'scalar' || f.kind === 'enum';
const list = (cols: string[]) => cols.join(', ');

function compareColumns(model: DmmfModel, table: CatalogTable, dm: Datamodel, out: DriftProblem[]): void {
  const t = table.name;
  for (const field of model.fields.filter(isColumn)) {
    const where = `${model.name}.${field.name}`;
    const col = columnOf(field);
    const column: CatalogColumn | undefined = table.columns.get(col);
    if (!column) {
      out.push({ where, message: `column ${t}.${col} is missing from the migrated database (no migration creates it)` });
      continue;
    }
    const expected = expectedType(field, dm.enums);
    if ('unknown' in expected) out.push({ where, message: `${expected.unknown}; cannot compare with ${t}.${col} (${column.type})` });
    else if (!sameType(expected.type, column.type)) {
      out.push({ where, message: `column ${t}.${col} is ${column.type} in the migrated database, the schema says ${expected.label} (${expected.type})` });
    }
    if (!field.isList) {
      const required = field.isRequired;
      if (required !== column.notNull) {
        out.push({ where, message: `column ${t}.${col} is ${column.notNull ? 'NOT NULL' : 'nullable'} in the migrated database, the field is ${required ? 'required' : 'optional (?)'}` });
      }
    }
    const badDefault = defaultMismatch(field, column, dm.enums);
    if (badDefault) out.push({ where, message: `column ${t}.${col} ${badDefault}` });
  }
  const mapped = new Set(model.fields.filter(isColumn).map(columnOf));
  for (const col of table.columns.keys()) {
    if (!mapped.has(col)) out.push({ where: model.name, message: `column ${t}.${col} exists in the migrated database but no field of ${model.name} maps to it` });
  }
}

function compareIndexes(model: DmmfModel, table: CatalogTable, dm: Datamodel, out: DriftProblem[]): void {
  const t = table.name;
  const byField = new Map(model.fields.map((f) => [f.name, columnOf(f)]));
  const key = (fields: { name: string; sortOrder?: string }[]) => fields.map((f) => `${byField.get(f.name) ?? f.name}${f.sortOrder === 'desc' ? ' DESC' : ''}`);
  const defs = dm.indexes.filter((i) => i.model === model.name);

  const pk = defs.find((i) => i.type === 'id');
  const actualPk = table.indexes.find((i) => i.primary);
  if (pk) {
    const want = key(pk.fields);
    if (!actualPk) out.push({ where: model.name, message: `primary key (${list(want)}) is missing from ${t} in the migrated database` });
    else if (list(actualPk.columns) !== list(want)) out.push({ where: model.name, message: `primary key of ${t} is (${list(actualPk.columns)}) in the migrated database, the schema says (${list(want)})` });
  } else if (actualPk) {
    out.push({ where: model.name, message: `${t} has primary key (${list(actualPk.columns)}) in the migrated database, the schema declares none` });
  }

  const actual = table.indexes.filter((i) => !i.primary);
  const matched = new Set<string>();
  for (const def of defs.filter((i) => i.type === 'unique' || i.type === 'normal')) {
    const want = list(key(def.fields));
    const unique = def.type === 'unique';
    const attribute = unique ? (def.fields.length === 1 ? '@unique' : '@@unique') : '@@index';
    // Prisma's DMMF does not carry a partial index's `where: raw(...)` (partialIndexes preview,
    // Prisma 7.10): a partial index matches the @@index that names it (map:) with the same
    // columns; its predicate is not compared.
    const hit = actual.find(
      (i) => !matched.has(i.name) && (i.predicate === null || i.name === def.dbName) && list(i.columns) === want && i.unique === unique,
    );
    if (hit) {
      matched.add(hit.name);
      continue;
    }
    const other = actual.find((i) => !matched.has(i.name) && list(i.columns) === want);
    if (other) {
      matched.add(other.name);
      const what = other.predicate !== null ? `partial (WHERE ${other.predicate})` : other.unique ? 'unique' : 'not unique';
      out.push({ where: model.name, message: `index ${other.name} on ${t}(${want}) is ${what} in the migrated database, the schema has ${attribute}` });
    } else {
      out.push({ where: model.name, message: `${unique ? 'unique index' : 'index'} on ${t}(${want}) (${attribute}) is missing from the migrated database` });
    }
  }
  for (const i of actual.filter((x) => !matched.has(x.name))) {
    out.push({ where: model.name, message: `${i.unique ? 'unique index' : 'index'} ${i.name} on ${t}(${list(i.columns)}) exists in the migrated database but not in the schema` });
  }
}

function compareForeignKeys(model: DmmfModel, table: CatalogTable, dm: Datamodel, out: DriftProblem[], opts: CompareOptions): void {
  const t = table.name;
  const expected = opts.relationMode === 'prisma' ? [] : model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length);
  const matched = new Set<string>();
  for (const rel of expected) {
    const target = dm.models.find((m) => m.name === rel.type);
    const cols = rel.relationFromFields!.map((n) => columnOf(model.fields.find((f) => f.name === n) ?? ({ name: n } as DmmfField)));
    const refTable = target ? tableOf(target) : rel.type;
    const refCols = rel.relationToFields!.map((n) => (target ? columnOf(target.fields.find((f) => f.name === n) ?? ({ name: n } as DmmfField)) : n));
    const allRequired = rel.relationFromFields!.every((n) => model.fields.find((f) => f.name === n)?.isRequired);
    const onDelete = ACTIONS[rel.relationOnDelete ?? (allRequired ? 'Restrict' : 'SetNull')];
    const onUpdate = ACTIONS[rel.relationOnUpdate ?? 'Cascade'];
    const where = `${model.name}.${rel.name}`;
    const fk = table.foreignKeys.find((k) => !matched.has(k.name) && list(k.columns) === list(cols) && k.refTable === refTable);
    if (!fk) {
      out.push({ where, message: `foreign key ${t}(${list(cols)}) → ${refTable}(${list(refCols)}) (@relation) is missing from the migrated database` });
      continue;
    }
    matched.add(fk.name);
    if (list(fk.refColumns) !== list(refCols)) out.push({ where, message: `foreign key ${fk.name} references ${refTable}(${list(fk.refColumns)}), the schema says (${list(refCols)})` });
    if (onDelete && fk.onDelete !== onDelete) out.push({ where, message: `foreign key ${fk.name} is ON DELETE ${ACTION_NAMES[fk.onDelete]}, the schema says ${ACTION_NAMES[onDelete]}` });
    if (onUpdate && fk.onUpdate !== onUpdate) out.push({ where, message: `foreign key ${fk.name} is ON UPDATE ${ACTION_NAMES[fk.onUpdate]}, the schema says ${ACTION_NAMES[onUpdate]}` });
  }
  for (const fk of table.foreignKeys.filter((k) => !matched.has(k.name))) {
    out.push({ where: model.name, message: `foreign key ${fk.name} ${t}(${list(fk.columns)}) → ${fk.refTable}(${list(fk.refColumns)}) exists in the migrated database but no relation declares it` });
  }
}

function compareEnums(dm: Datamodel, catalog: Catalog, out: DriftProblem[]): void {
  const seen = new Set<string>();
  for (const e of dm.enums) {
    const name = e.dbName ?? e.name;
    seen.add(name);
    const want = e.values.map((v) => v.dbName ?? v.name);
    const have = catalog.enums.get(name);
    if (!have) out.push({ where: `enum ${e.name}`, message: `enum type ${name} is missing from the migrated database` });
    else if (have.join(',') !== want.join(',')) out.push({ where: `enum ${e.name}`, message: `enum type ${name} has values (${have.join(', ')}) in the migrated database, the schema says (${want.join(', ')})` });
  }
  for (const name of catalog.enums.keys()) if (!seen.has(name)) out.push({ message: `enum type ${name} exists in the migrated database but not in the schema` });
}

export function compareDatamodel(dm: Datamodel, catalog: Catalog, opts: CompareOptions = {}): DriftProblem[] {
  const out: DriftProblem[] = [];
  const ignore = new Set(opts.ignoreTables ?? ['_prisma_migrations']);
  const modelled = new Set<string>();
  for (const model of dm.models) {
    const name = tableOf(model);
    modelled.add(name);
    const table = catalog.tables.get(name);
    if (!table) {
      const fields = model.fields.filter(isColumn).map((f) => `${model.name}.${f.name} → ${name}.${columnOf(f)}`);
      out.push({ where: model.name, message: `table ${name} is missing from the migrated database (no migration creates it)`, detail: fields });
      continue;
    }
    compareColumns(model, table, dm, out);
    compareIndexes(model, table, dm, out);
    compareForeignKeys(model, table, dm, out, opts);
  }
  for (const name of catalog.tables.keys()) {
    if (!modelled.has(name) && !ignore.has(name)) out.push({ message: `table ${name} exists in the migrated database but no model maps to it` });
  }
  compareEnums(dm, catalog, out);
  return out;
}
