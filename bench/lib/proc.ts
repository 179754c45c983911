/**
 * Process accounting from Linux's /proc: peak resident memory (VmHWM) and CPU time of a
 * process, and the processes of an embedded PostgreSQL (its postmaster and children), so
 * that a benchmark can say how much memory each process needed and where the CPU went.
 */
import fs from 'node:fs';
import path from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Peak resident set size (VmHWM) in MiB, or NaN when the process is gone. */
export function peakRssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in ms; NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The postmaster's pid (first line of postmaster.pid in the data folder) and its current children. */
export function postgresPids(dataDir: string): number[] {
  let postmaster: number;
  try {
    postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return [];
  }
  const children = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

/**
 * CPU time per pid of named groups of processes; a group is a pid, or a function giving its
 * current pids (PostgreSQL starts a backend per new connection, so its group changes).
 */
export type ProcessGroups = Record<string, number | (() => readonly number[])>;
export type CpuSnapshot = Record<string, Map<number, number>>;

export function cpuSnapshot(groups: ProcessGroups): CpuSnapshot {
  return Object.fromEntries(
    Object.entries(groups).map(([name, g]) => [
      name,
      new Map((typeof g === 'number' ? [g] : g()).map((pid) => [pid, cpuMs(pid)] as [number, number])),
    ]),
  );
}

/** CPU each group used between two snapshots; a process born in between counts from 0. */
export function cpuDiff(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, pids]) => {
      let sum = 0;
      for (const [pid, ms] of pids) if (Number.isFinite(ms)) sum += ms - (before[name]?.get(pid) ?? 0);
      return [name, sum];
    }),
  );
}

/** CPU time the whole machine has been busy (all cores; idle and iowait excluded), in ms. */
export function machineBusyMs(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (
      (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) /
      TICKS_PER_SECOND
    );
  } catch {
    return Number.NaN;
  }
}

/**
 * Waits (at most `maxWaitMs`) until the machine has been nearly idle for `quietS` seconds in
 * a row (busy below `threshold` of one core), so that a measurement does not share the CPU
 * with someone else's work. Resolves to the seconds waited, or -1 if it never got quiet.
 */
export async function waitQuiet(
  maxWaitMs = 120_000,
  quietS = 3,
  threshold = 0.25,
  onWait?: (busy: number) => void,
): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  let last = machineBusyMs();
  while (Date.now() - started < maxWaitMs) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = machineBusyMs();
    const busy = (now - last) / 1000;
    last = now;
    if (!Number.isFinite(busy)) return 0;
    quiet = busy < threshold ? quiet + 1 : 0;
    if (quiet >= quietS) return Math.round((Date.now() - started) / 1000) - quietS;
    if (quiet === 0) onWait?.(busy);
  }
  return -1;
}
