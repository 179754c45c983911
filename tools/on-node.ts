/**
 * `npm run on-node -- <version> <command...>`: runs a command with another Node.js first on
 * PATH, taken from the npm package `node` (its install fetches the matching `node-<os>-<arch>`
 * package: an npm package like any other, cached by npx after the first run). How the suite is
 * proven on the Node of the production image (deploy/Dockerfile: Node 24) while the machine's
 * own Node (20) runs `npm install`, `npm start` and `npm test`, e.g.
 *   npm run on-node -- 24 npm run test:unit
 *   npm run on-node -- 24 npm test -- tests/graph.e2e.ts
 * Everything the command starts with `node` (npm scripts, jest, tsx, the services) runs on it.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { failUsage, parseCommandLine, type CommandSpec } from './cli';

const COMMAND = {
  script: 'on-node',
  summary: `Runs <command...> with Node.js <version> (from the npm package \`node\`, e.g. node@24) first on PATH.
Example: npm run on-node -- 24 npm run test:unit`,
  positionals: {
    name: '<version> <command...>',
    help: 'a Node version (24, 24.11, 22.15.0), then the command to run',
    required: true,
  },
  options: {},
  exitCodes: { 0: "the command's exit code (0 when it passed)" },
} satisfies CommandSpec;

function main(): void {
  const argv = process.argv.slice(2);
  // Only the version is ours: the command's own options are passed on untouched.
  const { positionals } = parseCommandLine(COMMAND, argv.slice(0, 1));
  const version = positionals[0]!;
  if (!/^\d+(\.\d+){0,2}$/.test(version)) failUsage(COMMAND, `not a Node version: ${version}`);
  const command = argv.slice(1);
  if (command.length === 0) failUsage(COMMAND, 'give the command to run after the version');
  const binary = execFileSync('npx', ['--yes', `node@${version}`, '-p', 'process.execPath'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const env = { ...process.env, PATH: `${path.dirname(binary)}${path.delimiter}${process.env.PATH ?? ''}` };
  const runs = execFileSync(path.join(path.dirname(binary), 'node'), ['--version'], { encoding: 'utf8', env }).trim();
  process.stderr.write(`on-node: ${command.join(' ')} with Node ${runs} (${binary})\n`);
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

main();
