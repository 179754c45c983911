/**
 * `npm test`: the three Jest lanes (jest.config.js), the unit lane beside the other two. The
 * unit lane needs no database and no process of its own, so it runs in its own Jest process
 * at the same time as the integration and e2e lanes, which stay one serial pass over one test
 * PostgreSQL (their files share its databases, so they never run side by side). Each lane's
 * output is printed whole (the unit lane's when both are done), then one closing line.
 * With arguments, it is plain Jest over every lane, serially, as before:
 * `npm test -- tests/graph.e2e.ts`, `npm test -- --selectProjects unit`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const JEST = [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  path.join(ROOT, 'node_modules/jest/bin/jest.js'),
];

interface Lane {
  name: string;
  code: number;
  output: string;
}

function run(name: string, args: string[], live: boolean): Promise<Lane> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...JEST, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream: NodeJS.WriteStream) => (d: Buffer) => {
      output += d.toString();
      if (live) stream.write(d);
    };
    child.stdout!.on('data', take(process.stdout));
    child.stderr!.on('data', take(process.stderr));
    child.once('exit', (code, signal) => resolve({ name, code: code ?? (signal ? 128 : 1), output }));
  });
}

/** "Tests: 1 failed, 2 skipped, 279 passed, 282 total" → its counts. */
function counts(text: string): { passed: number; failed: number; skipped: number } {
  const line = [...text.matchAll(/^Tests:\s+(.*)$/gm)].at(-1)?.[1] ?? '';
  const n = (what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(line)?.[1] ?? 0);
  return { passed: n('passed'), failed: n('failed'), skipped: n('skipped') };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    const all = await run('jest', ['--runInBand', ...args], true);
    process.exit(all.code);
  }
  const started = Date.now();
  const [unit, rest] = await Promise.all([
    run('unit', ['--selectProjects', 'unit', '--maxWorkers=1'], false),
    run('integration + e2e', ['--selectProjects', 'integration', 'e2e', '--runInBand'], true),
  ]);
  process.stderr.write(`\n── unit lane (ran alongside) ──\n${unit.output}`);
  const [u, r] = [counts(unit.output), counts(rest.output)];
  const failed = unit.code !== 0 || rest.code !== 0;
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `\nlanes: unit exit ${unit.code}, integration + e2e exit ${rest.code}; ${seconds} s in all\n` +
      `${u.passed + r.passed} passed, ${u.failed + r.failed} failed, ${u.skipped + r.skipped} skipped\n`,
  );
  process.exit(failed ? 1 : 0);
}

void main();
