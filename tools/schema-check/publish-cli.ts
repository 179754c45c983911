/**
 * `npm run schema:publish`: writes the composed API schema to
 * tools/schema-check/published.graphql (published.ts), the base every later schema check
 * compares with. Refuses (exit 1, file untouched) while a breaking change against the
 * published schema is not acknowledged with a reason; commit the new file with the change.
 */
import { parseCommandLine } from '../cli';
import { publish } from './published';

parseCommandLine({
  script: 'schema:publish',
  summary: `Writes the composed API schema to tools/schema-check/published.graphql, the base later schema
checks compare with; refused while a breaking change is not acknowledged with a reason.`,
  options: {},
  exitCodes: { 0: 'published', 1: 'refused (unacknowledged breaking change) or failed' },
});

publish().then(
  (o) => {
    for (const n of o.notes) console.log(n);
    for (const p of o.problems) {
      console.error(`refused: ${p.where ? `${p.where}: ` : ''}${p.message}`);
      for (const d of p.detail ?? []) console.error(`  ${d}`);
    }
    if (o.problems.length)
      console.error(
        '\nnothing published: acknowledge each intended breaking change (with a reason), then publish again',
      );
    process.exitCode = o.problems.length ? 1 : 0;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
