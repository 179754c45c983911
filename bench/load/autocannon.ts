/**
 * Runs one load in a child process and returns its result: autocannon (load/autocannon-child.ts),
 * or with `paced` the open-loop generator at `spec.overallRate` (load/paced-child.ts).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { cpuDiff, cpuSnapshot, type ProcessGroups } from '../lib/proc';
import type { LoadResult, LoadSpec, Shape } from './spec';

/** `onMeasure` is called when the warm-up is over and the measured run starts. */
export function runLoad(spec: LoadSpec, onMeasure?: () => void, paced = false): Promise<LoadResult & { pid: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, paced ? 'paced-child.ts' : 'autocannon-child.ts'), [JSON.stringify(spec)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: LoadResult | undefined;
    // Bounded: the run cannot outlive its own duration by more than a minute.
    const limit = setTimeout(() => child.kill('SIGKILL'), (spec.warmupS + spec.durationS + 60) * 1000);
    child.on('message', (m) => {
      if ((m as { phase?: string }).phase === 'measure') onMeasure?.();
      else result = m as LoadResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(limit);
      if (result) resolve({ ...result, pid: child.pid ?? -1 });
      else reject(new Error(`load generator exited with code ${code} without a result`));
    });
  });
}

/**
 * The micro benches' measured run (bench/micro/subgraph-cpu.ts, gateway-cpu.ts): `shape` posted to
 * `baseUrl`'s /graphql from 10 connections after a 1-s warm-up, and the CPU time each of `procs`
 * used (/proc) per request served in the measured run.
 */
export async function graphqlCpuPerRequest(
  baseUrl: string,
  shape: Shape,
  ids: { first: number; count: number },
  durationS: number,
  procs: ProcessGroups,
): Promise<{ result: LoadResult; cpuMs: Record<string, number> }> {
  let before = cpuSnapshot(procs);
  const spec = {
    baseUrl,
    kind: 'graphql',
    shape,
    path: '/graphql',
    ids,
    connections: 10,
    durationS,
    warmupS: 1,
  } as const;
  const result = await runLoad(spec, () => (before = cpuSnapshot(procs)));
  const used = cpuDiff(before, cpuSnapshot(procs));
  return { result, cpuMs: Object.fromEntries(Object.keys(procs).map((k) => [k, (used[k] ?? 0) / result.requests])) };
}
