/**
 * BASELINE ONLY: the same three subgraphs behind Grafbase Gateway (Rust), from the npm package
 * `@grafbase/cli-x86_64-unknown-linux-musl` (a devDependency that ships the binary: nothing is
 * downloaded at run time). `grafbase dev` composes the subgraphs' SDL files named in a
 * `grafbase.toml` and serves the federated graph, as Grafbase's docs set it up for local work
 * (`[subgraphs.<name>] url = …, schema_path = …`). It runs as its own process, so the bench
 * measures its CPU like any other target's.
 *
 * One change to our SDL, in the copy it is given: Grafbase's composition refuses the data
 * subgraph's `recordAccountEvent(input:)` (a field marked @inaccessible whose argument is not)
 * unless the argument is @inaccessible too. The field is not part of the public API either way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../../platform/config';
import type { ServiceOptions } from '../lib/services';

const ROOT = path.resolve(__dirname, '../..');

/** The binary inside the npm package (linux x64, statically linked). */
export const GRAFBASE_BIN = path.join(ROOT, 'node_modules/@grafbase/cli-x86_64-unknown-linux-musl/grafbase');

/** Our SDL of one context as Grafbase composes it (see the module comment). */
export function grafbaseSdl(context: ContextName): string {
  const sdl = fs.readFileSync(path.join(ROOT, 'subgraphs', context, 'schema.graphql'), 'utf8');
  if (context !== 'data') return sdl;
  const field = 'recordAccountEvent(input: RecordAccountEventInput!)';
  if (!sdl.includes(field)) throw new Error(`subgraphs/data/schema.graphql no longer declares ${field}`);
  return sdl.replace(field, 'recordAccountEvent(input: RecordAccountEventInput! @inaccessible)');
}

/** `grafbase.toml` naming each subgraph's URL and SDL file. */
export function grafbaseToml(urls: Record<ContextName, string>, schemaPath: (c: ContextName) => string): string {
  return CONTEXTS.map(
    (c) => `[subgraphs.${c}]\nurl = ${JSON.stringify(urls[c])}\nschema_path = ${JSON.stringify(schemaPath(c))}\n`,
  ).join('\n');
}

/** What the bench spawns: `grafbase dev` on `port` in front of the subgraphs at `urls` (each `…/graphql`). */
export function grafbaseService(opts: {
  name: string;
  port: number;
  urls: Record<ContextName, string>;
  logDir: string;
  env: NodeJS.ProcessEnv;
  probe: (baseUrl: string) => Promise<boolean>;
}): ServiceOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-graph-grafbase-'));
  const schemaPath = (c: ContextName) => path.join(dir, `${c}.graphql`);
  for (const c of CONTEXTS) fs.writeFileSync(schemaPath(c), grafbaseSdl(c));
  fs.writeFileSync(path.join(dir, 'grafbase.toml'), grafbaseToml(opts.urls, schemaPath));
  return {
    name: opts.name,
    entry: 'bench/baselines/grafbase',
    env: { ...opts.env, NO_COLOR: '1' },
    port: opts.port,
    logDir: opts.logDir,
    probe: opts.probe,
    command: {
      file: GRAFBASE_BIN,
      args: ['dev', '--config', path.join(dir, 'grafbase.toml'), '--listen-address', `127.0.0.1:${opts.port}`],
    },
  };
}
