/**
 * The bench's command lines, parsed the project's one way (tools/cli.ts: node's parseArgs,
 * `--help`, exit 2 on a bad argument), as a map of flags for num() and str() to check.
 */
import { parseCommandLine, UsageError, type CommandSpec, type OptionSpec } from '../../tools/cli';

/** The CLIs' one usage error (platform/errors.ts): exit code 2. */
export { UsageError };

export interface Args {
  positional: string[];
  /** Each option given: its value, or true for a boolean one. */
  flags: Map<string, string | true>;
}

/** `spec` declares every option (with its help); anything else exits 2, `--help` exits 0. */
export function parseArgs(spec: CommandSpec, argv: string[] = process.argv.slice(2)): Args {
  const { values, positionals } = parseCommandLine(spec, argv);
  const flags = new Map<string, string | true>();
  for (const [name, v] of Object.entries(values as Record<string, unknown>)) {
    if (v === true) flags.set(name, true);
    else if (typeof v === 'string') flags.set(name, v);
  }
  return { positional: positionals, flags };
}

/** A number flag within [min, max], or the default. */
export function num(args: Args, name: string, fallback: number, min: number, max: number): number {
  const raw = args.flags.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw === true || raw.trim() === '' || !Number.isFinite(v) || v < min || v > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${String(raw)}`);
  return v;
}

export function str(args: Args, name: string): string | undefined {
  const raw = args.flags.get(name);
  if (raw === true) throw new UsageError(`--${name} needs a value`);
  return raw;
}

/** An option that takes a value: `opt('N', 'seeded accounts (default 15000)')`. */
export const opt = (value: string, help: string) => ({ type: 'string', value, help }) as const;

/** The command line of a microbenchmark (bench/micro/<name>.ts, run with npx tsx): --rounds and --duration, and `more`. */
export function microArgs(name: string, more: Record<string, OptionSpec> = {}): Args {
  return parseArgs({
    script: `bench/micro/${name}.ts`,
    invocation: `npx tsx bench/micro/${name}.ts`,
    summary: `A microbenchmark: see the comment at the top of bench/micro/${name}.ts.`,
    options: { rounds: opt('N', 'rounds'), duration: opt('S', 'seconds per run'), ...more },
  });
}
