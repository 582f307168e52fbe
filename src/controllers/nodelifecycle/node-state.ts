/**
 * Pure node-health rules of the node lifecycle controller: how a node that stopped posting
 * heartbeats is marked (conditions Unknown, in the kubelet's absence), which taints a node's
 * Ready condition calls for, and the pod Ready condition written when its node is not ready.
 */
import type { Node, NodeCondition, Pod, PodCondition, Taint } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';

export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unschedulableTaintKey = 'node.kubernetes.io/unschedulable';

/** The conditions Kubernetes marks Unknown when the kubelet goes silent. */
const kubeletConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** RFC 3339 with second precision, as Kubernetes' metav1.Time serialises. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * The node's conditions after its heartbeats stopped: Ready and the pressure conditions become
 * Unknown. Returns undefined when they already are.
 */
export function unknownConditions(node: Node, now: Date): NodeCondition[] | undefined {
  const conditions = cloneJSON(node.status?.conditions ?? []);
  let changed = false;
  if (!conditions.some((c) => c.type === 'Ready')) {
    conditions.push({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: node.metadata?.creationTimestamp,
      lastTransitionTime: stamp(now),
    });
    changed = true;
  }
  for (const c of conditions) {
    if (!kubeletConditions.includes(c.type) || c.status === 'Unknown') continue;
    c.status = 'Unknown';
    c.reason = 'NodeStatusUnknown';
    c.message = 'Kubelet stopped posting node status.';
    c.lastTransitionTime = stamp(now);
    changed = true;
  }
  return changed ? conditions : undefined;
}

/** The taints this controller owns, as the node's state calls for them. */
function wantedTaints(node: Node): Array<Pick<Taint, 'key' | 'effect'>> {
  const out: Array<Pick<Taint, 'key' | 'effect'>> = [];
  const status = readyCondition(node)?.status;
  const key = status === 'False' ? notReadyTaintKey : status === 'Unknown' ? unreachableTaintKey : undefined;
  if (key) out.push({ key, effect: 'NoSchedule' }, { key, effect: 'NoExecute' });
  if (node.spec?.unschedulable) out.push({ key: unschedulableTaintKey, effect: 'NoSchedule' });
  return out;
}

const owned = new Set([unreachableTaintKey, notReadyTaintKey, unschedulableTaintKey]);

/**
 * The node's taints with this controller's set brought up to date: wanted ones added with
 * timeAdded (kept when already present), stale ones removed, others' taints untouched. Returns
 * undefined when nothing changes.
 */
export function reconcileTaints(node: Node, now: Date): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const wanted = wantedTaints(node);
  const isWanted = (t: Taint) => wanted.some((w) => w.key === t.key && w.effect === t.effect);
  const kept = current.filter((t) => !owned.has(t.key) || isWanted(t));
  const added = wanted
    .filter((w) => !kept.some((t) => t.key === w.key && t.effect === w.effect))
    .map((w): Taint => (w.effect === 'NoExecute' ? { ...w, timeAdded: stamp(now) } : { ...w }));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}

/** The pod conditions with Ready set False (MarkPodsNotReady), or undefined if already so. */
export function podNotReadyConditions(pod: Pod, now: Date): PodCondition[] | undefined {
  const conditions = cloneJSON(pod.status?.conditions ?? []);
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  ready.status = 'False';
  ready.lastTransitionTime = stamp(now);
  return conditions;
}
