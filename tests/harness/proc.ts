/**
 * What the kernel knows about a running process (Linux /proc): the environment it was
 * started with, its command line, its children. Lets a test check what a real child
 * process was given rather than what the code meant to give it.
 */
import fs from 'node:fs';

export const hasProc = fs.existsSync('/proc/self/environ');

/** The environment `pid` was started with (/proc/<pid>/environ). */
export function environOf(pid: number): Record<string, string> {
  const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const eq = entry.indexOf('=');
        return [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
  );
}

/** The names of `pid`'s environment variables that hold a database URL (any name ending in _DATABASE_URL), sorted. */
export function databaseUrlVariablesOf(pid: number): string[] {
  return Object.keys(environOf(pid))
    .filter((k) => k.endsWith('_DATABASE_URL'))
    .sort();
}

/** The command line of `pid`, one argument per entry. */
export function cmdlineOf(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The live processes whose parent is `pid` (from /proc/<n>/stat). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "<pid> (<comm>) <state> <ppid> ...": comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(name));
  }
  return children;
}
