/**
 * Helpers of the offline deployment tests (deploy/*.test.ts): repository files, the
 * environment variable names platform/config.ts reads, YAML documents,
 * the Docker ignore rules. Not part of any image (deploy/Dockerfile.dockerignore).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CONTEXTS, type ContextName } from '../../platform/config';
import { envSchema } from '../../platform/env-schema';

export const repoRoot = path.resolve(__dirname, '../..');
export const repoPath = (...parts: string[]) => path.join(repoRoot, ...parts);
export const readRepo = (...parts: string[]) => fs.readFileSync(repoPath(...parts), 'utf8');
export const existsInRepo = (p: string) => fs.existsSync(repoPath(p));
export { CONTEXTS, type ContextName };

/** The variable names platform/config.ts reads: the keys of its zod schema (platform/env-schema.ts). */
export function configEnvNames(): Set<string> {
  return new Set(Object.keys(envSchema.shape));
}

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every document of a YAML file (merge keys `<<` resolved, as Docker Compose does); throws on a syntax error. */
export function loadYaml(file: string): Doc[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  }
  return list.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

/** The patterns of a .dockerignore file (comments and blank lines dropped). */
export function dockerignorePatterns(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a path of the build context (relative, '/'-separated) is left out by the patterns (no `!` rules). */
export function isDockerIgnored(relPath: string, patterns: string[]): boolean {
  const parts = relPath.replace(/^\.\//, '').split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  return patterns.some((p) => {
    if (p.startsWith('!')) throw new Error('negated .dockerignore patterns are not handled here');
    const re = globToRegExp(p.replace(/^\//, '').replace(/\/$/, ''));
    return prefixes.some((prefix) => re.test(prefix));
  });
}

export { freePort } from '../../prisma/tools/local/scratch';

/** `node dist/x/main.js` → `x/main.ts`, the source `npm run build` compiles it from. */
export function sourceOfCommand(command: string[]): string {
  const [bin, script] = command;
  if (bin !== 'node' || !script?.startsWith('dist/') || !script.endsWith('.js')) {
    throw new Error(`not a "node dist/....js" command: ${command.join(' ')}`);
  }
  return script.slice('dist/'.length).replace(/\.js$/, '.ts');
}
