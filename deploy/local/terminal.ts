/**
 * The launcher's output: its progress lines, its own log lines and every service's, in one
 * stream. For a machine (stdout not a terminal, or LOG_FORMAT=json) JSON lines pass through
 * unchanged. For a person (a terminal, or LOG_FORMAT=pretty) each JSON line is shown as one
 * readable line, and until the stack is up only warnings and errors are shown, so that the
 * banner (where to send queries) is the first thing to read; the start-up's other lines are
 * kept and shown if the start-up fails.
 */
import { isPretty, prettyLine, type LogFormat } from '../../platform/logger';

/** pino's numeric level of a JSON log line; undefined for anything else. */
function levelOf(line: string): number | undefined {
  const m = /"level":(\d+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}

const WARN = 40;
/** Start-up lines kept for a failure report at most (the last ones). */
const HELD_MAX = 500;

export interface Terminal {
  /** A progress line for the person at the terminal (printed as it is, in both formats). */
  say(line: string): void;
  /** A log line (JSON) of the launcher or of a service. */
  log(line: string): void;
  /** The stack is up: from now on every line is shown. */
  ready(): void;
  /** The start-up failed: the lines held back are shown. */
  failed(): void;
}

export function terminal(format: LogFormat, out: NodeJS.WritableStream = process.stdout): Terminal {
  const tty = (out as { isTTY?: boolean }).isTTY === true;
  const pretty = isPretty(format, { isTTY: tty });
  const show = pretty ? prettyLine(tty) : (line: string) => `${line}\n`;
  let held: string[] | undefined = pretty ? [] : undefined;
  const flushHeld = () => {
    for (const line of held ?? []) out.write(show(line));
    held = undefined;
  };
  return {
    say: (line) => void out.write(`${line}\n`),
    log: (raw) => {
      const line = raw.replace(/\n$/, '');
      const level = levelOf(line);
      if (held && level !== undefined && level < WARN) {
        held.push(line);
        if (held.length > HELD_MAX) held.shift();
        return;
      }
      out.write(show(line));
    },
    ready: () => void (held = undefined),
    failed: flushHeld,
  };
}
