/**
 * Generates the three Prisma clients (generated/<context>), one per bounded context.
 * Runs on `npm install` (postinstall) and as `npm run prisma:generate`.
 *
 * `prisma generate` never runs the schema engine, but the Prisma 7 CLI still resolves
 * (and, when missing, downloads) its binary first. Where it is not installed we point
 * PRISMA_SCHEMA_ENGINE_BINARY at an existing file so that no download is attempted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS } from '../../platform/config';
import { parseCommandLine } from '../../tools/cli';

parseCommandLine({
  script: 'prisma:generate',
  summary: 'Generates the three Prisma clients (generated/<context>) from prisma/<context>/schema.prisma.',
  options: {},
  exitCodes: { 0: 'generated', 1: 'failed' },
});

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'node_modules/prisma/build/index.js');
const env: NodeJS.ProcessEnv = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !fs.existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}

for (const context of CONTEXTS) {
  execFileSync(
    process.execPath,
    [cli, 'generate', '--no-hints', '--config', path.join(root, 'prisma', context, 'prisma.config.ts')],
    {
      cwd: root,
      env,
      stdio: 'inherit',
    },
  );
}
