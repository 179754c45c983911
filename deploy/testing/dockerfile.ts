/**
 * A Dockerfile read the way the builder reads it, for the offline image checks
 * (deploy/dockerfile.test.ts): instructions (comments dropped, continuations joined, flags and the
 * exec form parsed), grouped in stages with their base resolved through the global ARG
 * defaults, and what a stage inherits from the stage it is built FROM (USER, WORKDIR, RUNs).
 * The checks then ask about facts (who runs, what is copied, what the health check runs)
 * instead of comparing lines of text.
 */

export interface Instruction {
  op: string; // upper case: FROM, RUN, COPY, ...
  flags: Record<string, string>; // --from=build → { from: 'build' }
  args: string; // the rest, after the flags
  exec?: string[]; // the exec (JSON) form of args, when it is one
}

export interface Stage {
  name: string;
  base: string; // the FROM image or stage name, ARGs resolved
  parent?: Stage; // the stage this one is built FROM, if any
  instructions: Instruction[];
}

export interface Copy {
  from?: string; // a stage name; none = the build context
  sources: string[];
  dest: string;
}

const FLAG = /^--([\w-]+)(?:=(\S*))?$/;

function parseInstruction(line: string): Instruction {
  const [word = '', ...rest] = line.split(/\s+/);
  const flags: Record<string, string> = {};
  while (rest[0] && FLAG.test(rest[0])) {
    const [, name = '', value = 'true'] = FLAG.exec(rest.shift() as string) ?? [];
    flags[name] = value;
  }
  const args = rest.join(' ');
  let exec: string[] | undefined;
  if (args.startsWith('[')) {
    try {
      exec = JSON.parse(args) as string[];
    } catch {
      exec = undefined;
    }
  }
  return { op: word.toUpperCase(), flags, args, ...(exec ? { exec } : {}) };
}

export class Dockerfile {
  readonly globalArgs: Record<string, string> = {};
  readonly stages: Stage[] = [];

  constructor(text: string) {
    const logical = text
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n')
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    for (const line of logical) {
      const ins = parseInstruction(line);
      if (ins.op === 'FROM') {
        const [image = '', as, name] = ins.args.split(/\s+/);
        const base = this.resolve(image);
        const parent = this.stages.find((s) => s.name === base);
        this.stages.push({
          name: as?.toUpperCase() === 'AS' && name ? name : String(this.stages.length),
          base,
          ...(parent ? { parent } : {}),
          instructions: [],
        });
      } else if (this.stages.length === 0) {
        if (ins.op === 'ARG') {
          const [name = '', value = ''] = ins.args.split('=');
          this.globalArgs[name] = value;
        }
      } else {
        (this.stages.at(-1) as Stage).instructions.push(ins);
      }
    }
  }

  /** `${NAME}` / `$NAME` replaced by the global ARG defaults. */
  resolve(text: string): string {
    return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a?: string, b?: string) => this.globalArgs[a ?? b ?? ''] ?? m);
  }

  stage(name: string): Stage {
    const found = this.stages.find((s) => s.name === name);
    if (!found) throw new Error(`no stage ${name}`);
    return found;
  }

  /** The image a stage finally starts from (through the stages it is built FROM). */
  image(stage: Stage): string {
    return stage.parent ? this.image(stage.parent) : stage.base;
  }

  /** The stage and the stages it is built FROM, its own instructions last. */
  lineage(stage: Stage): Instruction[] {
    return [...(stage.parent ? this.lineage(stage.parent) : []), ...stage.instructions];
  }

  /** The user the stage's processes run as (USER, inherited; root when none). */
  user(stage: Stage): string {
    return (
      this.lineage(stage)
        .filter((i) => i.op === 'USER')
        .at(-1)?.args ?? 'root'
    );
  }

  workdir(stage: Stage): string {
    return (
      this.lineage(stage)
        .filter((i) => i.op === 'WORKDIR')
        .at(-1)?.args ?? '/'
    );
  }

  /** The shell commands of the RUN instructions of the stage (and its parents), in order (`&&` chains split). */
  commands(stage: Stage, inherited = true): string[] {
    return (inherited ? this.lineage(stage) : stage.instructions)
      .filter((i) => i.op === 'RUN')
      .flatMap((i) => i.args.split('&&').map((c) => c.trim().replace(/\s+/g, ' ')));
  }

  /** The stage's own COPY instructions. */
  copies(stage: Stage): Copy[] {
    return stage.instructions
      .filter((i) => i.op === 'COPY')
      .map((i) => {
        const words = i.exec ?? i.args.split(/\s+/);
        return {
          ...(i.flags.from ? { from: i.flags.from } : {}),
          sources: words.slice(0, -1),
          dest: words.at(-1) ?? '',
        };
      });
  }

  /** The stage's environment (ENV KEY=VALUE …, inherited; unquoted values only). */
  env(stage: Stage): Record<string, string> {
    const env: Record<string, string> = {};
    for (const i of this.lineage(stage).filter((i) => i.op === 'ENV')) {
      for (const pair of i.args.split(/\s+/)) {
        const eq = pair.indexOf('=');
        if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    }
    return env;
  }

  /** The command of the stage (its last CMD, inherited), as argv. */
  cmd(stage: Stage): string[] {
    const cmd = this.lineage(stage)
      .filter((i) => i.op === 'CMD')
      .at(-1);
    return cmd ? (cmd.exec ?? ['/bin/sh', '-c', cmd.args]) : [];
  }

  /** The HEALTHCHECK command of the stage as argv, and its options; undefined when none. */
  healthcheck(stage: Stage): { argv: string[]; options: Record<string, string> } | undefined {
    const hc = this.lineage(stage)
      .filter((i) => i.op === 'HEALTHCHECK')
      .at(-1);
    if (!hc || /^NONE$/i.test(hc.args)) return undefined;
    const rest = hc.args.replace(/^CMD\s+/i, '');
    return { argv: rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest], options: hc.flags };
  }
}

/** A path as the image sees it: relative ones against the working directory. */
export const inImage = (workdir: string, p: string) =>
  p.startsWith('/') ? p : `${workdir.replace(/\/$/, '')}/${p.replace(/^\.\//, '')}`;
