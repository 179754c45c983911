/**
 * Temporary copies of the schema inputs for the schema-check tests, which break them on
 * purpose: the subgraphs' SDL files, the supergraph, and a context's Prisma schema with its
 * migrations folder. The real files are only ever read. `removeCopies()` deletes them all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../../platform/config';
import { DEFAULT_SUPERGRAPH_PATH, sdlPathOf } from '../../gateway/compose';
import { migrationsDir } from '../../prisma/tools/migrate';

const made: string[] = [];

export function tempDir(prefix = 'schema-check-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeCopies(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Replaces `from` (which must occur) in a file. */
export function editFile(file: string, from: string | RegExp, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`editFile: ${String(from)} not found in ${file}`);
  fs.writeFileSync(file, next);
}

export interface SdlCopies {
  paths: Record<ContextName, string>;
  supergraphPath: string;
  edit(context: ContextName, from: string | RegExp, to: string): void;
}

/** Copies of the three SDL files (subgraphs/<ctx>/schema.graphql) and of the supergraph. */
export function copySdl(): SdlCopies {
  const dir = tempDir('sdl-');
  const paths = {} as Record<ContextName, string>;
  for (const c of CONTEXTS) {
    paths[c] = path.join(dir, c, 'schema.graphql');
    fs.mkdirSync(path.dirname(paths[c]));
    fs.copyFileSync(sdlPathOf(c), paths[c]);
  }
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.copyFileSync(DEFAULT_SUPERGRAPH_PATH, supergraphPath);
  return { paths, supergraphPath, edit: (c, from, to) => editFile(paths[c], from, to) };
}

export interface PrismaCopy {
  context: ContextName;
  schemaPath: string;
  migrationsDir: string;
  editSchema(from: string | RegExp, to: string): void;
  /** Adds prisma/<ctx>/migrations/<name>/migration.sql (name sorts after the real ones). */
  addMigration(name: string, sql: string): void;
}

/** A copy of prisma/<ctx>/schema.prisma and its migrations folder. */
export function copyPrisma(context: ContextName): PrismaCopy {
  const dir = path.join(tempDir(`prisma-${context}-`), context);
  const migrations = path.join(dir, 'migrations');
  fs.mkdirSync(dir);
  fs.cpSync(migrationsDir(context), migrations, { recursive: true });
  const schemaPath = path.join(dir, 'schema.prisma');
  fs.copyFileSync(path.resolve(__dirname, '../../prisma', context, 'schema.prisma'), schemaPath);
  return {
    context,
    schemaPath,
    migrationsDir: migrations,
    editSchema: (from, to) => editFile(schemaPath, from, to),
    addMigration: (name, sql) => {
      fs.mkdirSync(path.join(migrations, name));
      fs.writeFileSync(path.join(migrations, name, 'migration.sql'), sql);
    },
  };
}
