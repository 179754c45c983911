/** Input checks shared by the subgraphs; each failure is a BAD_USER_INPUT naming the argument. */
import { badInput } from '../../platform/errors';

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Characters no name, id or prefix may hold, each with what is wrong with it: C0 and C1
 * controls (NUL, which PostgreSQL cannot store in text, ESC, ...), lone UTF-16 surrogates
 * (not Unicode text: they would be stored as U+FFFD), and the bidirectional embedding,
 * override and isolate controls (U+202A–U+202E, U+2066–U+2069: they make a name display as
 * something else, "Trojan Source").
 */
const FORBIDDEN: [RegExp, string][] = [
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
  [/[\u0000-\u001f\u007f-\u009f]/u, 'must not contain control characters'],
  [/\p{Cs}/u, 'must be valid Unicode text: it contains a lone surrogate'],
  [/[\u202a-\u202e\u2066-\u2069]/u, 'must not contain bidirectional override or isolate characters'],
];

/** Refuses text holding a forbidden character, naming it and its position. */
export function requireCleanText(field: string, text: string): string {
  for (const [re, problem] of FORBIDDEN) {
    const m = re.exec(text);
    if (m) throw badInput(`${field} ${problem} (${codePoint(m[0])} at position ${m.index})`, field);
  }
  return text;
}

export function requireText(field: string, value: unknown, max = 200): string {
  if (typeof value !== 'string') throw badInput(`${field} must be a string`, field);
  const text = value.trim();
  if (text === '') throw badInput(`${field} must not be empty`, field);
  if (text.length > max) throw badInput(`${field} must be at most ${max} characters (got ${text.length})`, field);
  return requireCleanText(field, text);
}

export const requireId = (field: string, value: unknown) => requireText(field, value, 128);

/** An optional literal prefix (not trimmed); empty or absent: undefined. */
export function optionalPrefix(field: string, value: unknown, max = 200): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badInput(`${field} must be a string`, field);
  if (value.length > max) throw badInput(`${field} must be at most ${max} characters (got ${value.length})`, field);
  return requireCleanText(field, value);
}

export function requireRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`${field} must be an integer from ${min} to ${max} (got ${value})`, field);
  return value;
}

/** Opaque Relay cursors: base64url of the sort key. */
export const encodeCursor = (key: string) => Buffer.from(`c:${key}`, 'utf8').toString('base64url');

export function decodeCursor(field: string, cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const key = raw.slice(2);
  const ours = raw.startsWith('c:') && encodeCursor(key) === cursor && FORBIDDEN.every(([re]) => !re.test(key));
  if (!ours) throw badInput(`${field} is not a cursor returned by this API`, field);
  return key;
}
