/**
 * Kubernetes' DefaultNormalizeScore: scale raw scores so the highest becomes maxNodeScore,
 * optionally reversed (fewer untolerated PreferNoSchedule taints is better). Integer maths,
 * as Go's int64 division, so ties come out the same as in kube-scheduler.
 */
import { maxNodeScore } from './types.js';

/** Normalizes scores[0..count) in place. */
export function defaultNormalize(scores: Float64Array, count: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i] > max) max = scores[i];
  if (max === 0) {
    if (reverse) scores.fill(maxNodeScore, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = Math.trunc((maxNodeScore * scores[i]) / max);
    scores[i] = reverse ? maxNodeScore - s : s;
  }
}
