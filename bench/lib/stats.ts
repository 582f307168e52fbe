/** Small statistics helpers shared by the benchmarks: percentiles, rounding, RSS, machine facts. */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

/** The p-quantile (0..1) of an ascending array, nearest-rank; 0 for an empty array. */
export const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] : 0;

/** Rounds to `digits` decimals and returns a number (JSON stays short). */
export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** The median of a list of numbers (not mutated). */
export const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Resident set size of a live process in MB, from /proc (Linux only), or -1 when unreadable. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? round(Number(kb) / 1024) : -1;
  } catch {
    return -1;
  }
}

/** The machine the figures come from: they mean little without it. */
export function machine(): Record<string, unknown> {
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // Not Linux: leave it out.
  }
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memGb: round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadavg: load,
  };
}
