/**
 * Whether the gateway's answer to a test is the expected one, by upstream's rules (src/test.ts):
 * `data` must be deeply and strictly equal (a missing `data` counts as null); `errors` is compared
 * only when the test says `errors: true` or `false`, and then only whether the answer has any.
 * Messages, paths and codes of errors are never compared, nor the HTTP status.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AuditTest } from './testkit';

/** What the gateway answered: its JSON body, or why there is none. */
export type Answer = { body: { data?: unknown; errors?: unknown[]; extensions?: unknown } } | { failure: string };

export interface Verdict {
  ok: boolean;
  /** The answer was data alone: no errors, no extensions (what a gateway's lean path may answer). */
  plain: boolean;
  /** On a mismatch: what was expected and what came back, as compared. */
  detail?: string;
}

export function verdictOf(expected: AuditTest['expected'], answer: Answer): Verdict {
  if ('failure' in answer) return { ok: false, plain: false, detail: `no GraphQL answer: ${answer.failure}` };
  const plain = 'data' in answer.body && !answer.body.errors?.length && answer.body.extensions === undefined;
  const errorsOptional = typeof expected.errors !== 'boolean';
  const received = {
    data: answer.body.data ?? null,
    errors: errorsOptional ? null : (answer.body.errors?.length ?? 0) > 0,
  };
  const wanted = { data: expected.data ?? null, errors: errorsOptional ? null : (expected.errors ?? false) };
  if (isDeepStrictEqual(received, wanted)) return { ok: true, plain };
  return {
    ok: false,
    plain,
    detail: `expected ${JSON.stringify(wanted)}\nreceived ${JSON.stringify(received)}${
      answer.body.errors?.length ? `\nerrors ${JSON.stringify(answer.body.errors)}` : ''
    }`,
  };
}
