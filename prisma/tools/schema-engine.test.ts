/**
 * The pinned schema engine and the dialect hand-over: the engine that runs is the pinned
 * package's build; it is the same engine line as the one the installed Prisma CLI bundles
 * (same size, same wasm-bindgen imports), so a Prisma upgrade without re-pinning fails here;
 * the provider is read as postgresql only in memory and native types are refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineVersion, forEngine, readSchema } from './schema-engine';

const pinnedDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
const pinnedVersion = (JSON.parse(fs.readFileSync(path.join(pinnedDir, 'package.json'), 'utf8')) as { version: string })
  .version;
const cliWasm = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');

interface WasmApi {
  Module: { new (bytes: Uint8Array): object; imports(m: object): { module: string; name: string }[] };
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmApi };
const importsOf = (file: string) =>
  wasm.Module.imports(new wasm.Module(fs.readFileSync(file)))
    .map((i) => `${i.module}.${i.name}`)
    .sort();

test('the running engine is the pinned build', async () => {
  expect(pinnedVersion).toBe('8.1.0-2.59be4fda12412a79eeb9c2ae727b6aa723593323');
  expect(await engineVersion()).toBe(pinnedVersion.split('.').pop());
});

test('the pinned engine matches the one the installed Prisma CLI bundles (size and imports)', () => {
  const pinnedWasm = path.join(pinnedDir, 'schema_engine_bg.wasm');
  expect(fs.statSync(pinnedWasm).size).toBe(fs.statSync(cliWasm).size);
  expect(importsOf(pinnedWasm)).toEqual(importsOf(cliWasm));
});

test('the provider is read as postgresql in memory only; native types are refused', () => {
  const schema =
    'generator client {\n  provider = "prisma-client"\n}\n\ndatasource db {\n  provider = "cockroachdb"\n}\n';
  // Whatever the server: adapter-pg is always the engine's `postgres` connector (P3019 otherwise).
  expect(forEngine(schema)).toContain('provider = "postgresql"');
  expect(forEngine(schema)).toContain('provider = "prisma-client"');
  expect(forEngine(schema)).not.toContain('cockroachdb');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'engine-')), 'schema.prisma');
  fs.writeFileSync(file, `${schema}model A {\n  id String @id @db.String(8)\n}\n`);
  expect(() => readSchema(file)).toThrow(/@db\.String: native types mean different things/);
  expect(fs.readFileSync(file, 'utf8')).toContain('"cockroachdb"'); // the file is never changed
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
