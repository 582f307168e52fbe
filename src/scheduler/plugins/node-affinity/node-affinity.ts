/**
 * NodeAffinity: spec.nodeSelector and required node affinity must both match the node; the
 * preferred terms score the node by the summed weights of the terms it matches.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import { defaultNormalize } from '../../framework/normalize.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { matchAnyNodeTerm, matchNodeTerm } from '../../framework/selectors.js';
import { type FilterPlugin, rejection, type ScorePlugin } from '../../framework/types.js';

export const name = 'NodeAffinity';
/** Kubernetes' reason when nodeSelector or required node affinity does not match. */
export const reasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";

const rejected = rejection(name, reasonNodeAffinity, true);

/** Whether the node satisfies the pod's nodeSelector and required node affinity. */
export function podMatchesNodeAffinity(pod: PodInfo, node: NodeInfo): boolean {
  const sel = pod.nodeSelector;
  if (sel) for (const key in sel) if (node.labels[key] !== sel[key]) return false;
  const terms = pod.requiredNodeTerms;
  return !terms || matchAnyNodeTerm(terms, node.name, node.labels);
}

/** Filter: nodeSelector and requiredDuringSchedulingIgnoredDuringExecution. */
export const nodeAffinityFilter: FilterPlugin = {
  name,
  preFilter: (pod) => (pod.nodeSelector || pod.requiredNodeTerms ? undefined : 'skip'),
  filter: (pod, node) => (podMatchesNodeAffinity(pod, node) ? undefined : rejected),
};

/** Score: sum of matching preferred terms' weights, normalized to 0..100; weight 2. */
export const nodeAffinityScore: ScorePlugin = {
  name,
  weight: 2,
  preScore: (pod) => pod.preferredNodeTerms.length > 0,
  score(pod, node) {
    let sum = 0;
    for (const p of pod.preferredNodeTerms)
      if (matchNodeTerm(p.term, node.name, node.labels)) sum += p.weight;
    return sum;
  },
  normalize(scores, count) {
    defaultNormalize(scores, count, false);
  },
};
