/**
 * InterPodAffinity score: the incoming pod's preferred (anti-)affinity toward pods already in a
 * node's topology domain, plus existing pods' affinity toward the incoming pod (required affinity
 * counts with hardPodAffinityWeight 1), summed per topology pair and min-max normalized.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import { type AffinityTerm, type PodInfo, termMatches } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { TopologyCounts } from '../../framework/topology-counts.js';
import { maxNodeScore, type ScorePlugin } from '../../framework/types.js';

/** kube-scheduler's default weight for existing pods' required affinity when scoring. */
export const hardPodAffinityWeight = 1;
const stateKey = 'InterPodAffinity/score';

function addTerms(
  out: TopologyCounts,
  terms: readonly AffinityTerm[],
  target: PodInfo,
  node: NodeInfo,
  sign: number,
  snap: Snapshot,
  weight?: number,
): void {
  for (const t of terms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && termMatches(t, target, snap.namespaceLabels))
      out.add(t.topologyKey, v, sign * (weight ?? t.weight));
  }
}

function topologyScores(pod: PodInfo, snap: Snapshot): TopologyCounts {
  const out = new TopologyCounts();
  const ownPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
  for (const node of snap.nodes) {
    // Without preferred terms of its own, only pods with affinity can contribute.
    if (!ownPreferred && node.podsWithAffinity === 0) continue;
    for (const existing of node.pods) {
      if (ownPreferred) {
        addTerms(out, pod.preferredAffinity, existing, node, 1, snap);
        addTerms(out, pod.preferredAntiAffinity, existing, node, -1, snap);
      }
      if (!existing.hasAffinity) continue;
      addTerms(out, existing.requiredAffinity, pod, node, 1, snap, hardPodAffinityWeight);
      addTerms(out, existing.preferredAffinity, pod, node, 1, snap);
      addTerms(out, existing.preferredAntiAffinity, pod, node, -1, snap);
    }
  }
  return out;
}

/** Score plugin; weight 2, as kube-scheduler's default profile. */
export const interPodAffinityScore: ScorePlugin = {
  name: 'InterPodAffinity',
  weight: 2,
  preScore(pod, _nodes, _count, snap, state) {
    const ownPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    if (!ownPreferred && snap.podsWithAffinity === 0) return false;
    const scores = topologyScores(pod, snap);
    if (scores.keys.length === 0) return false;
    state.write(stateKey, scores);
    return true;
  },
  score(_pod, node, state) {
    return state.read<TopologyCounts>(stateKey)!.sumForNode(node.labels);
  },
  normalize(scores, count) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    const diff = max - min;
    for (let i = 0; i < count; i++)
      scores[i] = diff > 0 ? Math.trunc((maxNodeScore * (scores[i] - min)) / diff) : 0;
  },
};
