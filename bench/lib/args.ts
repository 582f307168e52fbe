/**
 * Benchmark switches: `npm run bench -- NAME --quick --profile` (bench.mjs forwards the
 * arguments) or, equally, SKIFF_BENCH_QUICK=1 / SKIFF_BENCH_PROFILE=1 in the environment.
 */

/** True when `--NAME` is on the command line or SKIFF_BENCH_<NAME>=1 is set. */
export function benchFlag(name: string): boolean {
  const env = process.env[`SKIFF_BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  return process.argv.includes(`--${name}`) || env === '1' || env === 'true';
}
