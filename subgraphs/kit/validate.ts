/** Input checks shared by the subgraphs; each failure is a BAD_USER_INPUT naming the argument. */
import { badInput } from '../../platform/errors';

const CONTROL = /[\u0000-\u001f\u007f]/;

export function requireText(field: string, value: unknown, max = 200): string {
  if (typeof value !== 'string') throw badInput(`${field} must be a string`, field);
  const text = value.trim();
  if (text === '') throw badInput(`${field} must not be empty`, field);
  if (text.length > max) throw badInput(`${field} must be at most ${max} characters (got ${text.length})`, field);
  if (CONTROL.test(text)) throw badInput(`${field} must not contain control characters`, field);
  return text;
}

export const requireId = (field: string, value: unknown) => requireText(field, value, 128);

export function requireRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(`${field} must be an integer from ${min} to ${max} (got ${value})`, field);
  return value;
}

/** Opaque Relay cursors: base64url of the sort key. */
export const encodeCursor = (key: string) => Buffer.from(`c:${key}`, 'utf8').toString('base64url');

export function decodeCursor(field: string, cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith('c:') || encodeCursor(raw.slice(2)) !== cursor) throw badInput(`${field} is not a cursor returned by this API`, field);
  return raw.slice(2);
}
