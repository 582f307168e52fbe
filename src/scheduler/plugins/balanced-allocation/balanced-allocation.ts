/**
 * NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in similar
 * proportions after placing the pod, so neither runs out while the other sits idle. Score is
 * (1 - standard deviation of the used fractions) * 100, on actual requests.
 */
import { maxNodeScore, type ScorePlugin } from '../../framework/types.js';

export const name = 'NodeResourcesBalancedAllocation';

/** Score over cpu and memory; weight 1, as kube-scheduler's default profile. */
export const balancedAllocationScore: ScorePlugin = {
  name,
  weight: 1,
  score(pod, node) {
    // Fractions capped at 1; resources the node lacks entirely are left out.
    const hasCpu = node.allocCpu > 0;
    const hasMemory = node.allocMemory > 0;
    if (!hasCpu || !hasMemory) return maxNodeScore;
    const cpu = Math.min(1, (node.reqCpu + pod.cpu) / node.allocCpu);
    const memory = Math.min(1, (node.reqMemory + pod.memory) / node.allocMemory);
    // With two resources the standard deviation is half their difference.
    const std = Math.abs(cpu - memory) / 2;
    return Math.trunc((1 - std) * maxNodeScore);
  },
};
