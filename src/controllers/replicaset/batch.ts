/**
 * Slow-start batching (controller.slowStartBatch): run a call `count` times in batches of 1, 2,
 * 4, ... in parallel, stopping after the first batch with a failure. A quota or admission error
 * then costs one failed call instead of thousands, while healthy bursts still go wide quickly.
 */

export interface BatchResult {
  successes: number;
  /** The first error seen, if a batch failed. */
  error?: unknown;
}

/** Runs `fn` up to `count` times with doubling parallel batches starting at `initial`. */
export async function slowStartBatch(
  count: number,
  initial: number,
  fn: () => Promise<void>,
): Promise<BatchResult> {
  let remaining = count;
  let successes = 0;
  let size = Math.min(remaining, Math.max(1, initial));
  while (size > 0) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.length - results.filter((r) => r.status === 'rejected').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= size;
    size = Math.min(remaining, size * 2);
  }
  return { successes };
}
