/**
 * A repository CLI (a tsx script) as a real process, asynchronously: the tests that run one
 * against a server living in the test process itself (the CockroachDB proxy, an in-process
 * stack) must not block their event loop the way spawnSync would.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with `env` (nothing else of the test's database variables) and collects its output. */
export function runCli(script: string, env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_DATABASE_(URL|PASSWORD)$/.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'warn', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}
