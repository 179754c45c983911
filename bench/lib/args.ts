/** Tiny `--name value` / `--flag` parser for the bench's command lines, with numeric checks. */
import { UsageError } from '../../platform/errors';

/** The CLIs' one usage error (platform/errors.ts): exit code 2. */
export { UsageError };

export interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), true);
  }
  return { positional, flags };
}

/** A number flag within [min, max], or the default. */
export function num(args: Args, name: string, fallback: number, min: number, max: number): number {
  const raw = args.flags.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw === true || !Number.isFinite(v) || v < min || v > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${String(raw)}`);
  return v;
}

export function str(args: Args, name: string): string | undefined {
  const raw = args.flags.get(name);
  if (raw === true) throw new UsageError(`--${name} needs a value`);
  return raw;
}

/** Rejects flags this command does not know (typos would otherwise be ignored silently). */
export function only(args: Args, known: readonly string[]): void {
  const unknown = [...args.flags.keys()].filter((k) => !known.includes(k));
  if (unknown.length)
    throw new UsageError(
      `unknown option ${unknown.map((u) => `--${u}`).join(', ')}; known: ${known.map((k) => `--${k}`).join(' ')}`,
    );
}
