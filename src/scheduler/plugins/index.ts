/**
 * The default profile: kube-scheduler's default plugins, in its order, with its score weights.
 */
import type { FilterPlugin, Profile, ScorePlugin } from '../framework/types.js';
import { balancedAllocationScore } from './balanced-allocation/balanced-allocation.js';
import { interPodAffinityFilter } from './inter-pod-affinity/filter.js';
import { interPodAffinityScore } from './inter-pod-affinity/score.js';
import { nodeAffinityFilter, nodeAffinityScore } from './node-affinity/node-affinity.js';
import { nodeNameFilter } from './node-name/node-name.js';
import { nodePortsFilter } from './node-ports/node-ports.js';
import {
  leastAllocatedScore,
  mostAllocatedScore,
  nodeResourcesFitFilter,
} from './node-resources-fit/node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable/node-unschedulable.js';
import { podTopologySpreadFilter } from './pod-topology-spread/filter.js';
import { podTopologySpreadScore } from './pod-topology-spread/score.js';
import { taintTolerationFilter, taintTolerationScore } from './taint-toleration/taint-toleration.js';

/**
 * Filters, cheapest first: a node rejected by a flag or a short taint list never reaches the
 * resource arithmetic, and only nodes that pass everything else pay for the topology lookups.
 * It is also kube-scheduler's order, which matters beyond speed: a node reports only its first
 * rejection, so the same order gives the same FailedScheduling histogram as Kubernetes.
 */
export const defaultFilters: readonly FilterPlugin[] = [
  nodeUnschedulable, // one boolean
  nodeNameFilter, // one string compare, skipped for pods without spec.nodeName
  taintTolerationFilter, // usually zero or one taint
  nodeAffinityFilter, // a few label lookups, skipped without selector/affinity
  nodePortsFilter, // a Map lookup per host port, skipped without host ports
  nodeResourcesFitFilter, // numeric compares
  podTopologySpreadFilter, // Map lookups against counts PreFilter built over all nodes
  interPodAffinityFilter, // same, for affinity terms
];

/** Which NodeResourcesFit scoring strategy to use. */
export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

/** Score plugins with kube-scheduler's default weights. */
export function defaultScorers(strategy: ScoringStrategy = 'LeastAllocated'): ScorePlugin[] {
  return [
    taintTolerationScore, // 3
    nodeAffinityScore, // 2
    podTopologySpreadScore, // 2
    interPodAffinityScore, // 2
    strategy === 'MostAllocated' ? mostAllocatedScore : leastAllocatedScore, // 1
    balancedAllocationScore, // 1
  ];
}

/** The default profile; percentageOfNodesToScore 0 means adaptive. */
export function defaultProfile(
  strategy: ScoringStrategy = 'LeastAllocated',
  percentageOfNodesToScore = 0,
): Profile {
  return { filters: defaultFilters, scorers: defaultScorers(strategy), percentageOfNodesToScore };
}
