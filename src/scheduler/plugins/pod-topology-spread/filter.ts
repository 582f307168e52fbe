/**
 * PodTopologySpread filter (whenUnsatisfiable DoNotSchedule): placing the pod in a node's domain
 * must keep (matching pods in that domain + 1) - (fewest in any domain) within maxSkew. With
 * minDomains, fewer eligible domains than required makes the global minimum 0. Nodes without
 * the topology key cannot take the pod at all.
 */
import type { PodInfo, SpreadConstraint } from '../../framework/pod-info.js';
import { type FilterPlugin, rejection } from '../../framework/types.js';
import { countMatching, hasAllTopologyKeys, name, nodeCounts } from './common.js';

/** Kubernetes' reasons. */
export const reasonSpread = "node(s) didn't match pod topology spread constraints";
export const reasonMissingLabel = `${reasonSpread} (missing required label)`;

const spreadRejected = rejection(name, reasonSpread);
const missingLabelRejected = rejection(name, reasonMissingLabel, true);

interface ConstraintState {
  c: SpreadConstraint;
  counts: Map<string, number>;
  min: number;
}

const stateKey = 'PodTopologySpread/filter';

function hardConstraints(pod: PodInfo): SpreadConstraint[] {
  return pod.spread.filter((c) => c.hard);
}

/** Filter plugin; PreFilter counts matching pods per domain over all eligible nodes. */
export const podTopologySpreadFilter: FilterPlugin = {
  name,
  preFilter(pod, snap, state) {
    if (pod.spread.length === 0) return 'skip';
    const hard = hardConstraints(pod);
    if (hard.length === 0) return 'skip';
    const states: ConstraintState[] = hard.map((c) => ({ c, counts: new Map(), min: 0 }));
    for (const node of snap.nodes) {
      if (!hasAllTopologyKeys(node, hard)) continue;
      for (const s of states) {
        if (!nodeCounts(pod, node, s.c)) continue;
        const v = node.labels[s.c.topologyKey];
        s.counts.set(v, (s.counts.get(v) ?? 0) + countMatching(node, s.c, pod.namespace));
      }
    }
    for (const s of states) {
      let min = Number.POSITIVE_INFINITY;
      for (const n of s.counts.values()) if (n < min) min = n;
      s.min = s.counts.size < s.c.minDomains || min === Number.POSITIVE_INFINITY ? 0 : min;
    }
    state.write(stateKey, states);
    return undefined;
  },
  filter(_pod, node, state) {
    const states = state.read<ConstraintState[]>(stateKey)!;
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      const v = node.labels[s.c.topologyKey];
      if (v === undefined) return missingLabelRejected;
      const skew = (s.counts.get(v) ?? 0) + s.c.selfMatch - s.min;
      if (skew > s.c.maxSkew) return spreadRejected;
    }
    return undefined;
  },
};
