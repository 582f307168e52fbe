/**
 * Shared by the PodTopologySpread filter and score: which nodes count for a constraint
 * (nodeAffinityPolicy, nodeTaintsPolicy, all topology keys present) and how many pods on a node
 * match a constraint's selector.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo, SpreadConstraint } from '../../framework/pod-info.js';
import { matchLabels } from '../../framework/selectors.js';
import { podMatchesNodeAffinity } from '../node-affinity/node-affinity.js';
import { firstUntolerated } from '../taint-toleration/taint-toleration.js';

export const name = 'PodTopologySpread';

/** Whether the node carries every constraint's topology key. */
export function hasAllTopologyKeys(node: NodeInfo, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Whether the node's pods count toward constraint c (its node inclusion policies). */
export function nodeCounts(pod: PodInfo, node: NodeInfo, c: SpreadConstraint): boolean {
  if (c.honorNodeAffinity && !podMatchesNodeAffinity(pod, node)) return false;
  if (c.honorTaints && firstUntolerated(node.taints, pod.tolerations)) return false;
  return true;
}

/** Pods on the node in the pod's namespace, not terminating, matching the constraint's selector. */
export function countMatching(node: NodeInfo, c: SpreadConstraint, namespace: string): number {
  let n = 0;
  for (const p of node.pods) {
    if (p.namespace === namespace && !p.terminating && matchLabels(c.selector, p.labels)) n++;
  }
  return n;
}
