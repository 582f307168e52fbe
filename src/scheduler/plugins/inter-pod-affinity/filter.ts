/**
 * InterPodAffinity filter: the pod's required affinity (some matching pod already in the node's
 * topology domain), its required anti-affinity (none in the domain), and existing pods' required
 * anti-affinity against it. PreFilter counts matching pods per topology pair once per pod, so
 * the per-node check is a few Map lookups.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import { type PodInfo, termMatches } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { TopologyCounts } from '../../framework/topology-counts.js';
import { type CycleState, type FilterPlugin, rejection } from '../../framework/types.js';

export const name = 'InterPodAffinity';
/** Kubernetes' reasons. */
export const reasonAffinity = "node(s) didn't match pod affinity rules";
export const reasonAntiAffinity = "node(s) didn't match pod anti-affinity rules";
export const reasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules";

// Affinity that no pod satisfies cannot be fixed by evicting pods: unresolvable for preemption.
const affinityRejected = rejection(name, reasonAffinity, true);
const antiRejected = rejection(name, reasonAntiAffinity);
const existingRejected = rejection(name, reasonExistingAntiAffinity);

interface State {
  existingAnti: TopologyCounts;
  affinity: TopologyCounts;
  anti: TopologyCounts;
  /** No pod in the cluster matches all affinity terms, but the pod matches them itself. */
  selfAffinityAllowed: boolean;
}

const stateKey = 'InterPodAffinity/filter';

/** Counts existing pods whose required anti-affinity terms match the incoming pod. */
function existingAntiAffinity(pod: PodInfo, snap: Snapshot): TopologyCounts {
  const counts = new TopologyCounts();
  if (snap.podsWithRequiredAntiAffinity === 0) return counts;
  for (const node of snap.nodes) {
    if (node.podsWithRequiredAntiAffinity === 0) continue;
    for (const existing of node.pods) {
      for (const t of existing.requiredAntiAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatches(t, pod, snap.namespaceLabels)) counts.add(t.topologyKey, v, 1);
      }
    }
  }
  return counts;
}

function allMatch(pod: PodInfo, target: PodInfo, snap: Snapshot): boolean {
  for (const t of pod.requiredAffinity) if (!termMatches(t, target, snap.namespaceLabels)) return false;
  return true;
}

/** Counts existing pods matching the incoming pod's required (anti-)affinity terms. */
function incomingCounts(pod: PodInfo, snap: Snapshot): { affinity: TopologyCounts; anti: TopologyCounts } {
  const affinity = new TopologyCounts();
  const anti = new TopologyCounts();
  for (const node of snap.nodes) {
    for (const existing of node.pods) {
      // Affinity: an existing pod counts only when it matches every term, as Kubernetes.
      if (pod.requiredAffinity.length && allMatch(pod, existing, snap)) {
        for (const t of pod.requiredAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined) affinity.add(t.topologyKey, v, 1);
        }
      }
      for (const t of pod.requiredAntiAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatches(t, existing, snap.namespaceLabels)) anti.add(t.topologyKey, v, 1);
      }
    }
  }
  return { affinity, anti };
}

function satisfiesAffinity(pod: PodInfo, node: NodeInfo, s: State): boolean {
  let podsExist = true;
  for (const t of pod.requiredAffinity) {
    const v = node.labels[t.topologyKey];
    // Every topology key must exist on the node, even for a pod that is its own first match.
    if (v === undefined) return false;
    if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  return podsExist || s.selfAffinityAllowed;
}

/** Filter: required pod affinity, anti-affinity, and existing pods' anti-affinity. */
export const interPodAffinityFilter: FilterPlugin = {
  name,
  preFilter(pod, snap, state: CycleState) {
    const existingAnti = existingAntiAffinity(pod, snap);
    const hasOwn = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0;
    if (!hasOwn && existingAnti.empty) return 'skip';
    const { affinity, anti } = hasOwn
      ? incomingCounts(pod, snap)
      : { affinity: new TopologyCounts(), anti: new TopologyCounts() };
    const selfAffinityAllowed = pod.requiredAffinity.length > 0 && affinity.empty && allMatch(pod, pod, snap);
    state.write(stateKey, { existingAnti, affinity, anti, selfAffinityAllowed } satisfies State);
    return undefined;
  },
  filter(pod, node, state) {
    const s = state.read<State>(stateKey)!;
    if (pod.requiredAffinity.length && !satisfiesAffinity(pod, node, s)) return affinityRejected;
    if (pod.requiredAntiAffinity.length) {
      for (const t of pod.requiredAntiAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && s.anti.get(t.topologyKey, v) > 0) return antiRejected;
      }
    }
    if (s.existingAnti.keys.length && s.existingAnti.hitsNode(node.labels)) return existingRejected;
    return undefined;
  },
};
