/**
 * `npm run schema:check`: the schema checks CI runs (see run.ts and one module per check
 * in this folder; the Prisma drift check is prisma/tools/schema-drift.ts). Prints a readable
 * report, or with --json one object: { ok, checks: [{ name, status, problems, notes, durationMs }] }
 * (for a usage error: { ok: false, usageError }).
 * Exit codes: 0 all checks pass, 1 a check failed, 2 usage error (unknown flag, bad ref/file).
 */
import { usageFailure } from '../cli';
import { COMMAND, parseArgs, USAGE } from './options';
import { formatHuman, toJson } from './report';
import { runSchemaChecks } from './run';
import { UsageError } from './sources';

/** Writes everything, then exits: some libraries keep timers or pools alive after the checks. */
function finish(text: string, code: number, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(`${text}\n`, () => process.exit(code));
}

async function main(): Promise<void> {
  const started = Date.now();
  const argv = process.argv.slice(2);
  let cli: ReturnType<typeof parseArgs>;
  try {
    cli = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (argv.includes('--json')) return finish(JSON.stringify({ ok: false, usageError: err.message }), 2);
    return finish(usageFailure(COMMAND, err.message), 2, process.stderr);
  }
  if (cli.help) return finish(USAGE, 0);
  try {
    const results = await runSchemaChecks(cli.run);
    const ok = results.every((r) => r.status === 'ok');
    finish(
      cli.json ? JSON.stringify(toJson(results), null, 2) : formatHuman(results, Date.now() - started),
      ok ? 0 : 1,
    );
  } catch (err) {
    if (err instanceof UsageError) {
      if (cli.json) return finish(JSON.stringify({ ok: false, usageError: err.message }), 2);
      return finish(usageFailure(COMMAND, err.message), 2, process.stderr);
    }
    throw err;
  }
}

main().catch((err: unknown) =>
  finish(`schema:check crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1, process.stderr),
);
