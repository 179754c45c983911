/**
 * One command-line convention for every npm script that takes arguments (tools/cli.ts), run
 * as a user runs them, through npm: `npm run <script> -- --help` prints the usage in that
 * form and exits 0 having done nothing (no file written, no database started), and an unknown
 * option exits 2 with one line naming it and the usage line. Every script in package.json is
 * either one of these or one that takes no arguments (listed, so a new script must be classed).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
jest.setTimeout(240_000);

const WITH_ARGUMENTS = [
  'db:migrate',
  'db:migrate:status',
  'db:migrate:resolve',
  'db:migration:create',
  'db:seed',
  'prisma:generate',
  'codegen',
  'supergraph:compose',
  'bench:seed',
  'outbox:status',
  'schema:check',
  'schema:publish',
  'audit:federation',
  'bench',
  'loadtest',
  'bench:profile',
  'bench:memory',
  'on-node',
];
/** Configured by environment variables (start), or npm's and the tools' own (test, lint...). */
const WITHOUT = [
  'postinstall',
  'start',
  'test',
  'test:unit',
  'test:integration',
  'test:e2e',
  'typecheck',
  'build',
  'playground:build',
];
const ALSO_WITHOUT = ['lint', 'format', 'lint:deps'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npmRun(script: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('npm', ['run', '--silent', script, '--', ...args], { cwd: ROOT, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `fn` over `items`, `width` at a time (the machine has few cores). */
async function pooled<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Files the scripts write when they do run: --help must leave them as they are. */
const WATCHED = [
  'gateway/supergraph.graphql',
  'tools/schema-check/published.graphql',
  'generated/graphql/account.ts',
  'generated/account/client.ts',
];
const stamp = () => WATCHED.map((f) => fs.statSync(path.join(ROOT, f)).mtimeMs);

test('every script in package.json is classed: takes arguments (checked below) or none', () => {
  const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts);
  expect(
    scripts.filter((s) => !WITH_ARGUMENTS.includes(s) && !WITHOUT.includes(s) && !ALSO_WITHOUT.includes(s)),
  ).toEqual([]);
});

test('--help: the usage in `npm run … --` form on stdout, exit 0, nothing done', async () => {
  const before = stamp();
  const hadData = fs.existsSync(path.join(ROOT, '.data'));
  const runs = await pooled(WITH_ARGUMENTS, 4, (s) => npmRun(s, '--help'));
  const summary = runs.map((r, i) => ({
    script: WITH_ARGUMENTS[i],
    code: r.code,
    first: r.stdout.split('\n')[0],
    stderr: r.stderr,
    exitCodes: /^exit codes: 0 .+, 2 bad arguments$/m.test(r.stdout),
  }));
  expect(summary).toEqual(
    WITH_ARGUMENTS.map((script) => ({
      script,
      code: 0,
      first: expect.stringMatching(new RegExp(`^usage: npm run ${script} --( |$)`)),
      stderr: '',
      exitCodes: true,
    })),
  );
  expect(stamp()).toEqual(before);
  // docs/cli.md shows each script's help as it is.
  const doc = fs.readFileSync(path.join(ROOT, 'docs/cli.md'), 'utf8');
  expect(WITH_ARGUMENTS.filter((_, i) => !doc.includes(`\`\`\`\n${runs[i]!.stdout}\`\`\``))).toEqual([]);
  expect(fs.existsSync(path.join(ROOT, '.data'))).toBe(hadData); // no embedded PostgreSQL started
});

test('an unknown option: exit 2, one line naming it, then the usage line; nothing on stdout', async () => {
  const hadData = fs.existsSync(path.join(ROOT, '.data'));
  const runs = await pooled(WITH_ARGUMENTS, 4, (s) => npmRun(s, '--no-such-option'));
  expect(
    runs.map((r, i) => ({ script: WITH_ARGUMENTS[i], code: r.code, stdout: r.stdout, lines: r.stderr.split('\n') })),
  ).toEqual(
    WITH_ARGUMENTS.map((script) => ({
      script,
      code: 2,
      stdout: '',
      lines: [
        expect.stringMatching(new RegExp(`^npm run ${script}: Unknown option '--no-such-option'`)),
        expect.stringMatching(new RegExp(`^usage: npm run ${script} --`)),
        `(npm run ${script} -- --help for every option)`,
        '',
      ],
    })),
  );
  // No embedded PostgreSQL was started for a command line that was refused.
  expect(fs.existsSync(path.join(ROOT, '.data'))).toBe(hadData);
});
