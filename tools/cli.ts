/**
 * The command line of every npm script that takes options (docs/cli.md), parsed one way:
 * node's util.parseArgs (strict: an unknown option or a missing value is an error), each
 * option declared once with its help text, so that `--help` and the usage line can never
 * disagree with what is accepted. Conventions, the same for every script:
 *   `npm run <script> -- --help` (or -h)  usage on stdout, exit 0, nothing else done;
 *   a bad argument                        one line saying what is wrong, the usage line, exit 2.
 * Parse before doing anything: `--help` must have no side effect. Tooling only (runtime code
 * never parses a command line: it is configured by its environment, platform/config.ts).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../platform/errors';

export { UsageError };

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One letter, e.g. `n` for `-n`. */
  short?: string;
  /** May be given several times (its value is then a list). */
  multiple?: boolean;
  /** What the value is, in the help: `N`, `URL`, `a,b`. */
  value?: string;
  help: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The npm script, e.g. `db:seed`; for a file run directly, its path (bench/micro/dedup.ts). */
  script: string;
  /** How it is run, when not `npm run <script> --`: e.g. `npx tsx bench/micro/dedup.ts`. */
  invocation?: string;
  /** What it does, one or two sentences. */
  summary: string;
  options: O;
  /** Positional arguments, e.g. `<scenario>`; none accepted when unset. */
  positionals?: { name: string; help: string; required?: boolean };
  /** What exit codes 0 and 1 mean for it (2 is always "bad arguments"). */
  exitCodes?: { 0: string; 1?: string };
}

type ValueOf<T extends OptionSpec> = T['type'] extends 'boolean'
  ? T['multiple'] extends true
    ? boolean[]
    : boolean
  : T['multiple'] extends true
    ? string[]
    : string;

export interface CommandLine<O extends Record<string, OptionSpec>> {
  values: { [K in keyof O]?: ValueOf<O[K]> };
  positionals: string[];
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help and exit' };

/** `--accounts N`, `-h, --help`. */
function flagOf(name: string, o: OptionSpec): string {
  const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : long;
}

const invocationOf = (spec: CommandSpec) => spec.invocation ?? `npm run ${spec.script} --`;

/** `usage: npm run db:seed -- [--accounts N] [--help]` */
export function usageLine(spec: CommandSpec): string {
  const positional = spec.positionals
    ? spec.positionals.required
      ? ` ${spec.positionals.name}`
      : ` [${spec.positionals.name}]`
    : '';
  const flags = Object.entries(spec.options).map(([name, o]) => ` [${flagOf(name, o).replace(/^-\w, /, '')}]`);
  return `usage: ${invocationOf(spec)}${positional}${flags.join('')} [--help]`;
}

/** The whole `--help` text. */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = [
    ...(spec.positionals ? [[spec.positionals.name, spec.positionals.help] as [string, string]] : []),
    ...Object.entries({ ...spec.options, help: HELP }).map(([n, o]) => [flagOf(n, o), o.help] as [string, string]),
  ];
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const exit = spec.exitCodes ?? { 0: 'done', 1: 'failed' };
  return [
    usageLine(spec),
    '',
    spec.summary,
    '',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`),
    '',
    `exit codes: 0 ${exit[0]}${exit[1] ? `, 1 ${exit[1]}` : ''}, 2 bad arguments`,
  ].join('\n');
}

/**
 * Writes `text` and exits at once: synchronously, so that nothing else runs meanwhile (a
 * --help that went on would have side effects); a help text fits in any pipe's buffer.
 */
function exitAfter(fd: 1 | 2, text: string, code: number): never {
  fs.writeSync(fd, `${text}\n`);
  process.exit(code);
}

/** What a bad argument prints: one line saying what is wrong, and the usage line. */
export const usageFailure = (spec: CommandSpec, message: string) =>
  `${spec.invocation ? spec.script : `npm run ${spec.script}`}: ${message}\n${usageLine(spec)}\n(${invocationOf(spec)} --help for every option)`;

/** usageFailure on stderr; exit 2. */
export function failUsage(spec: CommandSpec, message: string): never {
  return exitAfter(2, usageFailure(spec, message), UsageError.EXIT_CODE);
}

/**
 * The command line, parsed, with `help` true when --help was asked; a bad argument throws a
 * UsageError (for a command that reports usage errors its own way, e.g. as JSON).
 */
export function parseOrThrow<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[],
): CommandLine<O> & { help: boolean } {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP }).map(([n, o]) => [
      n,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (err) {
    // `--help` wins over anything else on the line.
    if (argv.includes('--help') || argv.includes('-h')) return { values: {}, positionals: [], help: true };
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { help, ...values } = parsed.values;
  if (!help && spec.positionals?.required && parsed.positionals.length === 0)
    throw new UsageError(`${spec.positionals.name} is required`);
  return { values: values as CommandLine<O>['values'], positionals: parsed.positionals, help: help === true };
}

/**
 * The command line, parsed; or the help printed (exit 0), or a bad argument reported (exit 2).
 * Options' own checks (ranges, choices) are the caller's: it reports them with failUsage.
 */
export function parseCommandLine<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[] = process.argv.slice(2),
): CommandLine<O> {
  let parsed: ReturnType<typeof parseOrThrow<O>>;
  try {
    parsed = parseOrThrow(spec, argv);
  } catch (err) {
    return failUsage(spec, (err as Error).message);
  }
  if (parsed.help) return exitAfter(1, helpText(spec), 0);
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A numeric option within [min, max] (whole numbers when `integer`), or the default. */
export function numberOption(
  spec: CommandSpec,
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max)
    return failUsage(spec, `--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return v;
}
