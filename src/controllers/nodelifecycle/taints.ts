/**
 * Taints and tolerations, and when a NoExecute taint evicts a pod (Kubernetes' taint eviction
 * controller). A pod that does not tolerate some NoExecute taint goes at once; a pod that
 * tolerates every one for a limited time goes when the first of those times runs out, counted
 * from the taint's timeAdded so the answer survives a controller restart.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** Whether a toleration tolerates a taint (v1.Toleration.ToleratesTaint). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  // An empty key with Exists tolerates every taint; an empty key otherwise tolerates nothing.
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The NoExecute taints of a node. */
export function noExecuteTaints(taints: Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** When a pod must be evicted. */
export type Eviction = { at: 'never' } | { at: 'now' } | { at: 'later'; time: Date };

/**
 * The eviction a pod's tolerations allow under a node's NoExecute taints. `now` stands in for a
 * taint's missing timeAdded.
 */
export function evictionFor(tolerations: Toleration[] | undefined, taints: Taint[], now: Date): Eviction {
  let earliest: number | undefined;
  for (const taint of noExecuteTaints(taints)) {
    const match = (tolerations ?? []).find((t) => tolerates(t, taint));
    if (!match) return { at: 'now' };
    if (match.tolerationSeconds === undefined || match.tolerationSeconds === null) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now.getTime();
    const deadline = added + Math.max(0, match.tolerationSeconds) * 1000;
    earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
  }
  if (earliest === undefined) return { at: 'never' };
  if (earliest <= now.getTime()) return { at: 'now' };
  return { at: 'later', time: new Date(earliest) };
}
