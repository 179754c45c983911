/**
 * The documentation cannot drift from what it describes:
 * - every relative link in README.md, BENCHMARKS.md and docs/*.md names a file that exists,
 *   and every `#anchor` a heading of that file (GitHub's slugs);
 * - every repository path they name in code spans exists, so a page cannot
 *   keep describing a file that was moved or deleted;
 * - docs/configuration.md lists exactly the variables of platform/env-schema.ts, and the
 *   default it states for each number and switch is the schema's default.
 */
import fs from 'node:fs';
import path from 'node:path';
import { envSchema } from '../platform/env-schema';

const root = path.resolve(__dirname, '..');
const docsDir = path.join(root, 'docs');
const pages = [
  'README.md',
  'BENCHMARKS.md',
  ...fs
    .readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors (github-slugger: lower case, punctuation dropped, spaces to hyphens) and `<a id>`s. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    for (const explicit of fenced ? [] : line.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(explicit[1]!);
    const m = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function linksOf(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('documentation links', () => {
  it('has a docs/ folder with pages', () => {
    expect(pages.length).toBeGreaterThan(5);
  });

  it.each(pages)('%s: every relative link and anchor resolves', (page) => {
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    const broken: string[] = [];
    for (const link of linksOf(text)) {
      if (/^[a-z]+:/i.test(link)) continue; // http(s):, mailto:
      const [file, anchor] = link.split('#');
      const target = file ? path.resolve(path.dirname(path.join(root, page)), file) : path.join(root, page);
      if (!fs.existsSync(target)) {
        broken.push(`${link} (no such file)`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !anchorsOf(fs.readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${link} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });
});

/** Paths that are made by runs, not kept in the repository. */
const GENERATED = /^bench\/(reports|results)\//;

describe('repository paths in the documentation', () => {
  it.each(pages)('%s: every path it names exists', (page) => {
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    const named = [
      ...text.matchAll(/`((?:platform|gateway|subgraphs|prisma|deploy|tools|tests|bench|docs)\/[\w./-]+)`/g),
    ]
      .map((m) => m[1]!)
      .filter((p) => !GENERATED.test(p));
    const missing = named.filter(
      (p) => !fs.existsSync(path.join(root, p)) && !fs.existsSync(path.join(root, `${p}.ts`)),
    );
    expect(missing).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  const text = fs.readFileSync(path.join(docsDir, 'configuration.md'), 'utf8');
  const rows = text
    .split('\n')
    .filter((l) => /^\| `[A-Z_]+`/.test(l))
    .map((l) => l.split(' | '));
  const documented = new Map<string, string>(); // variable -> its default cell
  for (const [names = '', defaults = ''] of rows)
    for (const m of names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) documented.set(m[1]!, defaults);

  it('lists exactly the variables of platform/env-schema.ts', () => {
    const inSchema = Object.keys(envSchema.shape).sort();
    expect([...documented.keys()].sort()).toEqual(inSchema);
  });

  it("states each number's and switch's default as the schema has it", () => {
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    const wrong: string[] = [];
    for (const [name, cell] of documented) {
      const value = defaults[name];
      if (typeof value !== 'number' && typeof value !== 'boolean') continue;
      const plain = cell.replace(/[`,_]/g, '');
      if (!new RegExp(`(^|\\D)${String(value)}(\\D|$)`).test(plain))
        wrong.push(`${name}: schema ${value}, docs ${cell}`);
    }
    expect(wrong).toEqual([]);
  });
});
