/**
 * `npm test`: the three Jest lanes (jest.config.js) side by side, each in its own Jest
 * process. They are independent: the unit lane needs no database and no process of its own,
 * and the integration and e2e lanes each start their own test PostgreSQL (Jest's globalSetup
 * runs once per Jest process), so their files never share databases; within a lane, files
 * still run one at a time, as before. The e2e lane's output streams; the other two lanes'
 * are printed whole when all are done, then one closing line.
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
  const lanes = await Promise.all([
    run('e2e', ['--selectProjects', 'e2e', '--runInBand'], true),
    run('unit', ['--selectProjects', 'unit', '--maxWorkers=1'], false),
    run('integration', ['--selectProjects', 'integration', '--runInBand'], false),
  ]);
  for (const lane of lanes.slice(1)) process.stderr.write(`\n── ${lane.name} lane (ran alongside) ──\n${lane.output}`);
  const total = lanes.map((l) => counts(l.output));
  const sum = (k: 'passed' | 'failed' | 'skipped') => total.reduce((n, c) => n + c[k], 0);
  const failed = lanes.some((l) => l.code !== 0);
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `\nlanes: ${lanes.map((l) => `${l.name} exit ${l.code}`).join(', ')}; ${seconds} s in all\n` +
      `${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped\n`,
  );
  process.exit(failed ? 1 : 0);
}

void main();
