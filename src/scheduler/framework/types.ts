/**
 * The plugin interfaces, one small interface per phase (DESIGN.md convention 2). A rejection is
 * data: the plugin name, Kubernetes' reason strings and whether preemption could ever help, so
 * the failure message and the preemption dry run are computed from it, never from text.
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';

/** Why a node (or, from PreFilter, every node) cannot take the pod. */
export interface Rejection {
  readonly plugin: string;
  readonly reasons: readonly string[];
  /** UnschedulableAndUnresolvable: removing pods from the node would not help, so preemption skips it. */
  readonly unresolvable: boolean;
}

/** Builds a Rejection; plugins build their fixed ones once, as module constants. */
export function rejection(
  plugin: string,
  reason: string | readonly string[],
  unresolvable = false,
): Rejection {
  return { plugin, reasons: typeof reason === 'string' ? [reason] : reason, unresolvable };
}

/** Per-cycle scratch data plugins compute in PreFilter/PreScore and read per node. */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

/** PreFilter's answer: run the filter, skip the plugin for this pod, or reject every node. */
export type PreFilterResult = undefined | 'skip' | Rejection;

/** A Filter plugin: `filter` must not allocate on the accept path; it runs per node per pod. */
export interface FilterPlugin {
  readonly name: string;
  preFilter?(pod: PodInfo, snapshot: Snapshot, state: CycleState): PreFilterResult;
  filter(pod: PodInfo, node: NodeInfo, state: CycleState): Rejection | undefined;
}

/** A Score plugin: raw scores per feasible node, then normalized to 0..maxNodeScore. */
export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** Returns false when the plugin has nothing to say about this pod (all scores would be equal). */
  preScore?(
    pod: PodInfo,
    nodes: readonly NodeInfo[],
    count: number,
    snapshot: Snapshot,
    state: CycleState,
  ): boolean;
  score(pod: PodInfo, node: NodeInfo, state: CycleState): number;
  /** Rescales scores[0..count) in place to 0..maxNodeScore. */
  normalize?(scores: Float64Array, count: number, state: CycleState): void;
}

/** The highest score a plugin gives a node after normalization, as Kubernetes' MaxNodeScore. */
export const maxNodeScore = 100;

/** Plugins in run order, and the share of nodes to examine (0 = adaptive, as Kubernetes). */
export interface Profile {
  readonly filters: readonly FilterPlugin[];
  readonly scorers: readonly ScorePlugin[];
  readonly percentageOfNodesToScore: number;
}
