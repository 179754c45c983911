/**
 * Live progress of a load test: once a second, one line with what finished during that
 * second (responses/s, p50/p99, errors, degraded answers) and the current phase.
 */
import { percentile, type Sample } from '../lib/stats';

export interface Live {
  add(s: Sample): void;
  phase(label: string): void;
  stop(): void;
}

export function liveProgress(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Live {
  const started = performance.now();
  let window: Sample[] = [];
  let phase = '';
  const timer = setInterval(() => {
    const lat = window.map((s) => s.latencyMs).sort((a, b) => a - b);
    const errors = window.filter((s) => !s.ok).length;
    const partial = window.filter((s) => s.partial).length;
    const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '-').padStart(9);
    const t = Math.round((performance.now() - started) / 1000);
    write(
      `t=${String(t).padStart(3)}s  ${String(window.length).padStart(4)} resp/s  p50 ${ms(percentile(lat, 50))}  p99 ${ms(percentile(lat, 99))}  ` +
        `errors ${String(errors).padStart(3)}  degraded ${String(partial).padStart(3)}${phase ? `  [${phase}]` : ''}`,
    );
    window = [];
  }, 1_000);
  return {
    add: (s) => window.push(s),
    phase: (label) => (phase = label),
    stop: () => clearInterval(timer),
  };
}
