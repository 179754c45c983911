/**
 * What a migrated database actually contains, read from PostgreSQL's catalog (pg_catalog)
 * for the connection's current schema: tables, columns (type as format_type prints it,
 * NOT NULL, default expression, identity), indexes (key columns in order, unique, primary,
 * DESC, partial), foreign keys (columns, referenced table/columns, actions) and enums.
 */
import type { Client } from 'pg';

export interface CatalogColumn {
  name: string;
  /** format_type(): `text`, `integer`, `timestamp(3) without time zone`, `character varying(255)`, … */
  type: string;
  notNull: boolean;
  /** pg_get_expr() of the default, e.g. `CURRENT_TIMESTAMP`, `0`, `'x'::text`; null when none. */
  default: string | null;
  identity: boolean;
}

export interface CatalogIndex {
  name: string;
  /** Key columns in order, `col` or `col DESC`; `(expression)` for expression columns. */
  columns: string[];
  unique: boolean;
  primary: boolean;
  predicate: string | null;
}

/** pg_constraint's action codes: a no action, r restrict, c cascade, n set null, d set default. */
export type ActionCode = 'a' | 'r' | 'c' | 'n' | 'd';

export interface CatalogForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: ActionCode;
  onUpdate: ActionCode;
}

export interface CatalogTable {
  name: string;
  columns: Map<string, CatalogColumn>;
  indexes: CatalogIndex[];
  foreignKeys: CatalogForeignKey[];
}

export interface Catalog {
  tables: Map<string, CatalogTable>;
  enums: Map<string, string[]>;
}

const TABLES = `
  SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`;

const COLUMNS = `
  SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity <> '' AS identity
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY c.relname, a.attnum`;

const INDEXES = `
  SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
         pg_get_expr(x.indpred, x.indrelid) AS predicate,
         ARRAY(
           SELECT CASE WHEN x.indkey[s.k] = 0 THEN '(expression)' ELSE a.attname::text END
                  || CASE WHEN (x.indoption[s.k] & 1) = 1 THEN ' DESC' ELSE '' END
             FROM generate_series(0, x.indnkeyatts - 1) AS s(k)
             LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[s.k]
            ORDER BY s.k
         )::text[] AS columns
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE n.nspname = current_schema()
   ORDER BY t.relname, i.relname`;

const FOREIGN_KEYS = `
  SELECT con.conname AS name, t.relname AS table, r.relname AS ref_table,
         con.confdeltype AS on_delete, con.confupdtype AS on_update,
         ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
         ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS ref_columns
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid
    JOIN pg_class r ON r.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE con.contype = 'f' AND n.nspname = current_schema()
   ORDER BY t.relname, con.conname`;

const ENUMS = `
  SELECT t.typname AS name, ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::text[] AS values
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typtype = 'e' AND n.nspname = current_schema()`;

export async function readCatalog(client: Client): Promise<Catalog> {
  const tables = new Map<string, CatalogTable>();
  for (const { name } of (await client.query<{ name: string }>(TABLES)).rows) {
    tables.set(name, { name, columns: new Map(), indexes: [], foreignKeys: [] });
  }
  type ColumnRow = { table: string; name: string; type: string; not_null: boolean; default: string | null; identity: boolean };
  for (const r of (await client.query<ColumnRow>(COLUMNS)).rows) {
    tables.get(r.table)?.columns.set(r.name, { name: r.name, type: r.type, notNull: r.not_null, default: r.default, identity: r.identity });
  }
  type IndexRow = { table: string; name: string; unique: boolean; primary: boolean; predicate: string | null; columns: string[] };
  for (const r of (await client.query<IndexRow>(INDEXES)).rows) {
    tables.get(r.table)?.indexes.push({ name: r.name, columns: r.columns, unique: r.unique, primary: r.primary, predicate: r.predicate });
  }
  type FkRow = { name: string; table: string; ref_table: string; on_delete: ActionCode; on_update: ActionCode; columns: string[]; ref_columns: string[] };
  for (const r of (await client.query<FkRow>(FOREIGN_KEYS)).rows) {
    tables.get(r.table)?.foreignKeys.push({
      name: r.name,
      columns: r.columns,
      refTable: r.ref_table,
      refColumns: r.ref_columns,
      onDelete: r.on_delete,
      onUpdate: r.on_update,
    });
  }
  const enums = new Map<string, string[]>();
  for (const r of (await client.query<{ name: string; values: string[] }>(ENUMS)).rows) enums.set(r.name, r.values);
  return { tables, enums };
}
