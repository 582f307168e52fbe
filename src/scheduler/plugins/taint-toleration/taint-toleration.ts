/**
 * TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate
 * them; as a score, fewer untolerated PreferNoSchedule taints is better.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { defaultNormalize } from '../../framework/normalize.js';
import { type FilterPlugin, type Rejection, rejection, type ScorePlugin } from '../../framework/types.js';

export const name = 'TaintToleration';

/** Kubernetes' reason, with the first untolerated taint: "node(s) had untolerated taint {k: v}". */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** Whether one toleration tolerates one taint (ToleratesTaint). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** Whether any of the tolerations tolerates the taint. */
export function toleratedBy(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (let i = 0; i < tolerations.length; i++) if (tolerates(tolerations[i], taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint the tolerations do not cover, if any. */
export function firstUntolerated(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): Taint | undefined {
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i];
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!toleratedBy(tolerations, taint)) return taint;
  }
  return undefined;
}

// One Rejection per Taint object, made on first use: taints are stable parts of the Node
// object, so repeated cycles reuse the same rejection instead of formatting a new string.
const rejections = new WeakMap<Taint, Rejection>();

function taintRejection(taint: Taint): Rejection {
  let r = rejections.get(taint);
  if (!r) {
    r = rejection(name, untoleratedTaintReason(taint), true);
    rejections.set(taint, r);
  }
  return r;
}

/** Filter: reject nodes with an untolerated NoSchedule/NoExecute taint. */
export const taintTolerationFilter: FilterPlugin = {
  name,
  filter(pod, node) {
    if (node.taints.length === 0) return undefined;
    const taint = firstUntolerated(node.taints, pod.tolerations);
    return taint ? taintRejection(taint) : undefined;
  },
};

const preferKey = 'TaintToleration/prefer';

/** Score: count of untolerated PreferNoSchedule taints, normalized in reverse; weight 3. */
export const taintTolerationScore: ScorePlugin = {
  name,
  weight: 3,
  preScore(pod, nodes, count, _snap, state) {
    // Without PreferNoSchedule taints every node scores the same: skipping changes no ranking.
    let any = false;
    for (let i = 0; i < count && !any; i++) {
      const taints = nodes[i].taints;
      for (let j = 0; j < taints.length; j++) if (taints[j].effect === 'PreferNoSchedule') any = true;
    }
    if (!any) return false;
    state.write(
      preferKey,
      pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
    );
    return true;
  },
  score(_pod, node, state) {
    if (node.taints.length === 0) return 0;
    const tolerations = state.read<Toleration[]>(preferKey) ?? [];
    let n = 0;
    for (const taint of node.taints)
      if (taint.effect === 'PreferNoSchedule' && !toleratedBy(tolerations, taint)) n++;
    return n;
  },
  normalize(scores, count) {
    defaultNormalize(scores, count, true);
  },
};
