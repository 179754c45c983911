/**
 * Where the checks get their SDL: the subgraphs' files in the working tree (or copies a
 * test passes), or the committed files at a git ref (`git show <ref>:<path>`), read
 * without touching the working tree. A ref that does not resolve is a usage error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../../platform/config';
import { sdlPathOf } from '../../gateway/compose';

export interface SubgraphSource {
  name: ContextName;
  /** The file it came from: a path, or `<ref>:<path>` for a git ref (shown in reports). */
  file: string;
  sdl: string;
}

/** A mistake in how the check was invoked (bad flag, ref or file): the CLIs' one UsageError, exit code 2. */
import { UsageError } from '../../platform/errors';

export { UsageError };

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The SDL files of the subgraphs, by default the real ones (tests pass copies). */
export type SdlPaths = Record<ContextName, string>;

export const defaultSdlPaths = (): SdlPaths => Object.fromEntries(CONTEXTS.map((c) => [c, sdlPathOf(c)])) as SdlPaths;

/** Paths relative to the repository root where they are inside it (shorter reports). */
export const displayPath = (file: string) => {
  const rel = path.relative(REPO_ROOT, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
};

export function readSubgraphFiles(paths: SdlPaths = defaultSdlPaths()): SubgraphSource[] {
  return CONTEXTS.map((name) => ({ name, file: displayPath(paths[name]), sdl: fs.readFileSync(paths[name], 'utf8') }));
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

function refExists(ref: string, cwd: string): boolean {
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
    return true;
  } catch {
    return false;
  }
}

/** `origin/main` when the clone has it, else HEAD (the last commit); undefined in a repository without commits. */
export function defaultBaseRef(cwd: string = REPO_ROOT): string | undefined {
  return ['origin/main', 'HEAD'].find((r) => refExists(r, cwd));
}

export interface RefSources {
  ref: string;
  sources: SubgraphSource[];
  /** Subgraphs whose file does not exist at the ref (new since then). */
  missing: ContextName[];
}

/** The subgraphs' committed SDL at `ref`; throws UsageError when the ref does not name a commit. */
export function readSubgraphsAtRef(
  ref: string,
  paths: SdlPaths = defaultSdlPaths(),
  cwd: string = REPO_ROOT,
): RefSources {
  if (ref.startsWith('-') || !refExists(ref, cwd))
    throw new UsageError(`--base-ref ${ref}: not a commit in this repository`);
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim();
  const sources: SubgraphSource[] = [];
  const missing: ContextName[] = [];
  for (const name of CONTEXTS) {
    const rel = path.relative(top, paths[name]).split(path.sep).join('/');
    try {
      sources.push({ name, file: `${ref}:${rel}`, sdl: git(['show', `${ref}:${rel}`], cwd) });
    } catch {
      missing.push(name);
    }
  }
  return { ref, sources, missing };
}
