/**
 * The committed list of intended breaking changes
 * (tools/schema-check/acknowledged-breaking-changes.json): each entry names one change
 * as graphql-inspector reports it, by `type` and `path` (or `message` for the few changes
 * without a path), with the `reason` it is accepted. Read and validated with zod.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const DEFAULT_ACKNOWLEDGED_PATH = path.resolve(__dirname, 'acknowledged-breaking-changes.json');

const entrySchema = z
  .object({
    type: z.string().min(1),
    path: z.string().min(1).optional(),
    message: z.string().min(1).optional(),
    reason: z.string().trim().min(1, 'a reason is required'),
  })
  .refine(
    (e) => e.path !== undefined || e.message !== undefined,
    "give the change's path (or, for a change without one, its message)",
  );

const fileSchema = z.object({
  comment: z.string().optional(),
  acknowledged: z.array(entrySchema),
});

export type Acknowledgement = z.infer<typeof entrySchema>;

export interface ChangeLike {
  type: string;
  path?: string;
  message: string;
}

export const matches = (ack: Acknowledgement, change: ChangeLike) =>
  ack.type === change.type && (ack.path !== undefined ? ack.path === change.path : ack.message === change.message);

/** The entries, or an error message naming what is wrong with the file. Missing file: no entries. */
export function readAcknowledgements(file: string = DEFAULT_ACKNOWLEDGED_PATH): {
  entries: Acknowledgement[];
  error?: string;
} {
  if (!fs.existsSync(file)) return { entries: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return { entries: [], error: `is not valid JSON: ${(err as Error).message}` };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    return { entries: [], error: `is not a valid acknowledgement list: ${issues.join('; ')}` };
  }
  return { entries: parsed.data.acknowledged };
}

/** The JSON entry a developer would add to acknowledge `change` (shown in the report). */
export const suggestedEntry = (change: ChangeLike) =>
  JSON.stringify(
    change.path
      ? { type: change.type, path: change.path, reason: '…' }
      : { type: change.type, message: change.message, reason: '…' },
  );
