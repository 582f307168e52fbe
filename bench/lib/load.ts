/**
 * Closed-loop load: `concurrency` callers each send one request, wait for it, and send the next,
 * until a fixed duration or a request budget runs out (whichever first), so every phase is bounded
 * in both time and work.
 */
import { percentile, round } from './stats.js';

/** Throughput and latency of one phase. */
export interface PhaseResult {
  /** Successful requests per second. */
  rps: number;
  /** Latency percentiles of successful requests, in ms. */
  p50: number;
  p99: number;
  ok: number;
  errors: number;
}

/** Runs `call(i)` (i unique per call) from `concurrency` loops; a throw or false counts as an error. */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  maxRequests: number,
  call: (i: number) => Promise<boolean>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async () => {
    while (performance.now() < deadline && next < maxRequests) {
      const i = next++;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await call(i);
      } catch {
        ok = false;
      }
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: round(latencies.length / seconds, 0),
    p50: round(percentile(latencies, 0.5), 2),
    p99: round(percentile(latencies, 0.99), 2),
    ok: latencies.length,
    errors,
  };
}
