/**
 * One scheduling cycle as a pure function of (pod, snapshot): PreFilter → Filter over an
 * adaptive share of the nodes from a rotating start → PreScore/Score/Normalize → select. It
 * writes nothing; the caller assumes and binds. Per-node work reuses buffers owned by the
 * Framework, so a cycle allocates per pod, never per node.
 */
import type { Diagnosis } from './diagnosis.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import { CycleState, type FilterPlugin, type Profile, type Rejection } from './types.js';

/** Below this many nodes every node is examined (Kubernetes' minFeasibleNodesToFind). */
export const minFeasibleNodesToFind = 100;
/** The adaptive percentage never drops below this (minFeasibleNodesPercentageToFind). */
export const minFeasibleNodesPercentageToFind = 5;

/**
 * How many feasible nodes to look for: all of them on small clusters; on big ones 50% minus
 * 1% per 125 nodes (at least 5%), and never fewer than 100 — 500 of 5,000 nodes.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(minFeasibleNodesPercentageToFind, 50 - Math.trunc(numAllNodes / 125));
  if (pct >= 100) return numAllNodes;
  return Math.max(minFeasibleNodesToFind, Math.trunc((numAllNodes * pct) / 100));
}

export type ScheduleResult =
  | { ok: true; node: NodeInfo; evaluated: number; feasible: number }
  | { ok: false; diagnosis: Diagnosis };

/** Filters prepared for one pod: PreFilter ran, and plugins with nothing to check are dropped. */
export interface Prepared {
  state: CycleState;
  filters: FilterPlugin[];
  /** A PreFilter rejection applies to every node. */
  rejection?: Rejection;
}

/** Runs the profile's plugins; owns the reusable buffers and the rotating start index. */
export class Framework {
  private nextStart = 0;
  private feasible: NodeInfo[] = [];
  private rejected: (Rejection | undefined)[] = [];
  private total = new Float64Array(256);
  private scores = new Float64Array(256);

  constructor(
    readonly profile: Profile,
    private readonly rand: () => number = Math.random,
  ) {}

  /** PreFilter: per-pod precomputation (spread counts, affinity counts); skips irrelevant filters. */
  prepare(pod: PodInfo, snap: Snapshot): Prepared {
    const state = new CycleState();
    const filters: FilterPlugin[] = [];
    for (const f of this.profile.filters) {
      const r = f.preFilter ? f.preFilter(pod, snap, state) : undefined;
      if (r === 'skip') continue;
      if (r) return { state, filters, rejection: r };
      filters.push(f);
    }
    return { state, filters };
  }

  /** The first rejection on this node, or undefined when the pod fits. */
  filterNode(prep: Prepared, pod: PodInfo, node: NodeInfo): Rejection | undefined {
    const filters = prep.filters;
    for (let i = 0; i < filters.length; i++) {
      const r = filters[i].filter(pod, node, prep.state);
      if (r) return r;
    }
    return undefined;
  }

  /** Schedules one pod against the snapshot; does not change it. */
  schedule(pod: PodInfo, snap: Snapshot, nominatedNode = ''): ScheduleResult {
    const nodes = snap.nodes;
    const n = nodes.length;
    const prep = this.prepare(pod, snap);
    if (prep.rejection) {
      const rejections = new Map<string, Rejection>();
      for (const node of nodes) rejections.set(node.name, prep.rejection);
      return {
        ok: false,
        diagnosis: { numAllNodes: n, preFilterMsg: prep.rejection.reasons.join(', '), rejections },
      };
    }
    // A pod that preempted for a node tries that node first, as Kubernetes' evaluateNominatedNode.
    const nominated = nominatedNode ? snap.node(nominatedNode) : undefined;
    if (nominated && !this.filterNode(prep, pod, nominated))
      return { ok: true, node: nominated, evaluated: 1, feasible: 1 };

    const want = numFeasibleNodesToFind(n, this.profile.percentageOfNodesToScore);
    if (this.rejected.length < n) this.rejected.length = n;
    let found = 0;
    let evaluated = 0;
    const start = n ? this.nextStart % n : 0;
    for (; evaluated < n && found < want; evaluated++) {
      const idx = start + evaluated < n ? start + evaluated : start + evaluated - n;
      const node = nodes[idx];
      const r = this.filterNode(prep, pod, node);
      if (r) this.rejected[idx] = r;
      else this.feasible[found++] = node;
    }
    this.nextStart = n ? (start + evaluated) % n : 0;
    if (found === 0) {
      const rejections = new Map<string, Rejection>();
      for (let i = 0; i < n; i++) rejections.set(nodes[i].name, this.rejected[i]!);
      this.rejected.fill(undefined);
      return { ok: false, diagnosis: { numAllNodes: n, rejections } };
    }
    const chosen = found === 1 ? this.feasible[0] : this.select(pod, snap, prep, found);
    return { ok: true, node: chosen, evaluated, feasible: found };
  }

  /** Score, normalize, weight, and pick the best node; ties are broken at random (reservoir). */
  private select(pod: PodInfo, snap: Snapshot, prep: Prepared, count: number): NodeInfo {
    if (this.total.length < count) {
      this.total = new Float64Array(count * 2);
      this.scores = new Float64Array(count * 2);
    }
    const total = this.total;
    const scores = this.scores;
    total.fill(0, 0, count);
    const nodes = this.feasible;
    for (const plugin of this.profile.scorers) {
      if (plugin.preScore && !plugin.preScore(pod, nodes, count, snap, prep.state)) continue;
      for (let i = 0; i < count; i++) scores[i] = plugin.score(pod, nodes[i], prep.state);
      plugin.normalize?.(scores, count, prep.state);
      const w = plugin.weight;
      for (let i = 0; i < count; i++) total[i] += scores[i] * w;
    }
    let best = 0;
    let ties = 1;
    for (let i = 1; i < count; i++) {
      if (total[i] > total[best]) {
        best = i;
        ties = 1;
      } else if (total[i] === total[best]) {
        ties++;
        if (this.rand() * ties < 1) best = i;
      }
    }
    return nodes[best];
  }
}
