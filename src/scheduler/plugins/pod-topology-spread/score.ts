/**
 * PodTopologySpread score (whenUnsatisfiable ScheduleAnyway): fewer matching pods in the node's
 * domain is better. Each constraint adds count * log(domains + 2) + maxSkew - 1; scores are then
 * inverted against the range so the emptiest domain gets 100. Nodes missing a topology key get 0.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import type { SpreadConstraint } from '../../framework/pod-info.js';
import { maxNodeScore, type ScorePlugin } from '../../framework/types.js';
import { countMatching, hasAllTopologyKeys, name, nodeCounts } from './common.js';

const hostnameKey = 'kubernetes.io/hostname';
const stateKey = 'PodTopologySpread/score';
/** Marks a node that lacks a topology key: it scores 0 after normalization. */
const ignored = -1;

interface ScoreState {
  soft: SpreadConstraint[];
  counts: Map<string, number>[];
  weights: number[];
  namespace: string;
}

/** Score plugin; weight 2, as kube-scheduler's default profile. */
export const podTopologySpreadScore: ScorePlugin = {
  name,
  weight: 2,
  preScore(pod, nodes, count, snap, state) {
    const soft = pod.spread.filter((c) => !c.hard);
    if (soft.length === 0) return false;
    // Domains are those of the feasible nodes; counts come from every eligible node.
    const counts = soft.map(() => new Map<string, number>());
    let eligible = 0;
    for (let i = 0; i < count; i++) {
      if (!hasAllTopologyKeys(nodes[i], soft)) continue;
      eligible++;
      soft.forEach((c, j) => {
        if (c.topologyKey !== hostnameKey) counts[j].set(nodes[i].labels[c.topologyKey], 0);
      });
    }
    for (const node of snap.nodes) {
      if (!hasAllTopologyKeys(node, soft)) continue;
      soft.forEach((c, j) => {
        const v = node.labels[c.topologyKey];
        if (c.topologyKey === hostnameKey || !counts[j].has(v) || !nodeCounts(pod, node, c)) return;
        counts[j].set(v, counts[j].get(v)! + countMatching(node, c, pod.namespace));
      });
    }
    const weights = soft.map((c, j) =>
      Math.log((c.topologyKey === hostnameKey ? eligible : counts[j].size) + 2),
    );
    state.write(stateKey, { soft, counts, weights, namespace: pod.namespace } satisfies ScoreState);
    return true;
  },
  score(_pod, node: NodeInfo, state) {
    const s = state.read<ScoreState>(stateKey)!;
    if (!hasAllTopologyKeys(node, s.soft)) return ignored;
    let score = 0;
    for (let j = 0; j < s.soft.length; j++) {
      const c = s.soft[j];
      const n =
        c.topologyKey === hostnameKey
          ? countMatching(node, c, s.namespace)
          : (s.counts[j].get(node.labels[c.topologyKey]) ?? 0);
      score += n * s.weights[j] + (c.maxSkew - 1);
    }
    return Math.round(score);
  },
  normalize(scores, count) {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let i = 0; i < count; i++) {
      if (scores[i] === ignored) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < count; i++) {
      if (scores[i] === ignored) scores[i] = 0;
      else if (max === 0) scores[i] = maxNodeScore;
      else scores[i] = Math.trunc((maxNodeScore * (max + min - scores[i])) / max);
    }
  },
};
