/**
 * Statement-level rules every migration file keeps so that it runs the same on the
 * embedded PostgreSQL and on CockroachDB, where Prisma applies it statement by statement
 * with no transaction around the file (a failure halfway leaves it half applied):
 *
 * - one schema change per file: every DDL statement works on one table (a new table may be
 *   created with its indexes), so a failure leaves at most one table to repair by hand;
 * - no transaction control (BEGIN/COMMIT/...): the file is not one transaction anywhere;
 * - no `;` inside a string, quoted name or comment: the driver adapter cuts scripts at every
 *   `;` (adapter-pg `executeScript`);
 * - integer types by width: `INT`/`INTEGER` are 8 bytes on CockroachDB and 4 on PostgreSQL,
 *   and `SERIAL` differs (unique_rowid() there), so `INT2`/`INT4`/`INT8`, as Prisma's own
 *   CockroachDB renderer writes them;
 * - `TEXT`, not `STRING`: PostgreSQL has no STRING; CockroachDB reads TEXT as STRING.
 * CockroachDB references: docs/migrations.md, "Migrations and CockroachDB".
 */

export interface RuleProblem {
  migration: string;
  message: string;
}

/** Files applied before these rules, kept as they are (changing an applied file is an edit). */
export const GRANDFATHERED: Record<string, string[]> = {
  // Two tables on an empty database: a failure there is repaired by dropping both.
  account: ['20261126120000_init'],
};

/** Splits as adapter-pg's executeScript does (at every `;`), reporting `;` inside literals or comments. */
export function statements(sql: string): { statements: string[]; cutInside: string[] } {
  const cutInside: string[] = [];
  let state: 'code' | "'" | '"' | '--' | '/*' = 'code';
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    const two = sql.slice(i, i + 2);
    if (state === 'code') {
      if (ch === "'" || ch === '"') state = ch;
      else if (two === '--' || two === '/*') {
        state = two;
        i++;
      }
    } else if (state === '--') {
      if (ch === '\n') state = 'code';
      else if (ch === ';') cutInside.push('a comment');
    } else if (state === '/*') {
      if (two === '*/') {
        state = 'code';
        i++;
      } else if (ch === ';') cutInside.push('a comment');
    } else if (ch === state) {
      if (sql[i + 1] === state)
        i++; // doubled quote
      else state = 'code';
    } else if (ch === ';') cutInside.push(state === "'" ? 'a string' : 'a quoted name');
  }
  const stripComments = (s: string) =>
    s
      .replace(/--[^\n]*/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .trim();
  return { statements: sql.split(';').map(stripComments).filter(Boolean), cutInside };
}

const TABLE = String.raw`(?:"([^"]+)"|([A-Za-z_][\w$]*))`;
const DDL: { re: RegExp; kind: string }[] = [
  { re: new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${TABLE}`, 'i'), kind: 'create' },
  { re: new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${TABLE}`, 'i'), kind: 'alter' },
  { re: new RegExp(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${TABLE}`, 'i'), kind: 'drop' },
  {
    re: new RegExp(
      String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:${TABLE}\s+)?ON\s+(?:ONLY\s+)?${TABLE}`,
      'i',
    ),
    kind: 'index',
  },
];

/** The table a DDL statement changes, or undefined for data statements (INSERT ...). */
function tableOf(stmt: string): { table?: string; ddl: boolean } {
  for (const { re, kind } of DDL) {
    const m = stmt.match(re);
    if (m) {
      const groups = kind === 'index' ? [m[3], m[4]] : [m[1], m[2]];
      return { table: groups.find(Boolean), ddl: true };
    }
  }
  return { ddl: /^(CREATE|ALTER|DROP|RENAME|COMMENT)\b/i.test(stmt) };
}

const TYPE_RULES: { re: RegExp; message: string }[] = [
  {
    re: /^(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|SAVEPOINT|END)\b/i,
    message: 'transaction control: a migration file is not one transaction on CockroachDB; leave it out',
  },
  {
    re: /\b(SMALL|BIG)?SERIAL\b/i,
    message: 'SERIAL types differ on CockroachDB (unique_rowid(), not a sequence); use an explicit id',
  },
  { re: /\bINT(EGER)?\b/i, message: 'INT/INTEGER is 8 bytes on CockroachDB and 4 on PostgreSQL; write INT4 or INT8' },
  { re: /\bSTRING\b/i, message: 'STRING does not exist in PostgreSQL; write TEXT (CockroachDB reads it as STRING)' },
];

/** Problems of one migration file (`context` picks its grandfathered names). */
export function checkMigration(context: string, name: string, sql: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { statements: stmts, cutInside } = statements(sql);
  for (const where of new Set(cutInside)) {
    problems.push({
      migration: name,
      message: `';' inside ${where}: the driver adapter splits scripts at every ';', so the statement would be cut`,
    });
  }
  for (const stmt of stmts) {
    const unquoted = stmt.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
    for (const rule of TYPE_RULES) {
      if (rule.re.test(unquoted))
        problems.push({ migration: name, message: `${rule.message}: ${stmt.split('\n')[0]}` });
    }
  }
  if (!(GRANDFATHERED[context] ?? []).includes(name)) {
    const tables = new Set<string>();
    for (const stmt of stmts) {
      const t = tableOf(stmt);
      if (t.ddl) tables.add(t.table ?? `(${stmt.split(/\s+/).slice(0, 3).join(' ')})`);
    }
    if (tables.size > 1) {
      problems.push({
        migration: name,
        message: `changes ${tables.size} tables (${[...tables].join(', ')}): keep one schema change per migration, so that a failure halfway leaves one table to repair`,
      });
    }
  }
  return problems;
}
