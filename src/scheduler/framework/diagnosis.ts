/**
 * The FailedScheduling message, worded and ordered as kube-scheduler's FitError: a histogram of
 * the reasons across nodes, each entry "<count> <reason>", sorted as strings (so "2 Insufficient
 * cpu" sorts before "3 Insufficient memory"), then the preemption outcome in the same shape.
 * Every part ends with "." — which is why real clusters show "pod.." at the very end.
 */
import type { Rejection } from './types.js';

/** What went wrong for one pod: how many nodes there were and why each one was rejected. */
export interface Diagnosis {
  numAllNodes: number;
  /** Set when a PreFilter plugin rejected the pod outright (every node, one message). */
  preFilterMsg?: string;
  /** Node name → the first plugin's rejection on that node. */
  rejections: Map<string, Rejection>;
}

/** "0/6 nodes are available: 3 Insufficient cpu, 3 node(s) were unschedulable." (+ postFilter). */
export function fitErrorMessage(d: Diagnosis, postFilterMsg = ''): string {
  let msg = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const histogram = reasonHistogram(d.rejections.values());
    if (histogram.length) msg += ` ${histogram.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}.`;
  return msg;
}

/** "<count> <reason>" for every distinct reason, sorted as Go's sort.Strings sorts them. */
export function reasonHistogram(rejections: Iterable<Rejection>): string[] {
  const counts = new Map<string, number>();
  for (const r of rejections)
    for (const reason of r.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason}`).sort(byCodeUnits);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
