/**
 * The DaemonSet decision, pure over a snapshot (nodes, the DaemonSet's pods, the current revision
 * hash, the time): which nodes need a pod, which pods must go (failed, misscheduled, duplicates,
 * on vanished nodes, replaced by a rolling update), and the status the snapshot shows. The
 * controller applies the plan; tests drive this function without a server.
 */
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { placement, withDaemonTolerations } from './eligibility.js';
import { REVISION_LABEL } from './history.js';
import { scaledValue } from './kit.js';
import { byCreation, isPodAvailable, isPodReady, isTerminating, msUntilAvailable } from './pods.js';

export type DeleteReason = 'failed' | 'misscheduled' | 'duplicate' | 'node-gone' | 'update';

export interface DaemonPlan {
  /** Node names that get a new pod of the current revision. */
  create: string[];
  deletes: Array<{ pod: Pod; reason: DeleteReason }>;
  status: DaemonSetStatus;
  /** When set, look again after this many ms (a ready pod becomes available then). */
  requeueMs?: number;
}

interface NodeView {
  node: Node;
  shouldRun: boolean;
  shouldContinueRunning: boolean;
  /** Non-terminating pods that have not failed, oldest first. */
  running: Pod[];
  failed: Pod[];
}

const podKey = (p: Pod) => p.metadata?.name ?? '';
const isUpdated = (p: Pod, hash: string) => p.metadata?.labels?.[REVISION_LABEL] === hash;

function nodeViews(ds: DaemonSet, nodes: Node[], pods: Pod[]): { views: NodeView[]; orphaned: Pod[] } {
  const spec = withDaemonTolerations(ds.spec?.template?.spec ?? { containers: [] });
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (isTerminating(pod)) continue;
    const name = pod.spec?.nodeName ?? '';
    byNode.set(name, [...(byNode.get(name) ?? []), pod]);
  }
  const views = [...nodes]
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((node) => {
      const mine = (byNode.get(node.metadata?.name ?? '') ?? []).sort((a, b) =>
        byCreation(a as never, b as never),
      );
      byNode.delete(node.metadata?.name ?? '');
      const bad = (p: Pod) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
      return {
        node,
        ...placement(spec, node),
        running: mine.filter((p) => !bad(p)),
        failed: mine.filter(bad),
      };
    });
  // Pods bound to nodes that no longer exist (pods with no node at all are left to the scheduler).
  const orphaned = [...byNode.entries()].filter(([name]) => name !== '').flatMap(([, ps]) => ps);
  return { views, orphaned };
}

function surgeOf(ds: DaemonSet): number | string {
  const s = ds.spec?.updateStrategy;
  return s?.type === 'RollingUpdate' ? (s.rollingUpdate?.maxSurge ?? 0) : 0;
}

/** Pods to delete so each node keeps one pod (with surge: the oldest old and the newest updated). */
function duplicates(view: NodeView, hash: string, surging: boolean): Pod[] {
  if (view.running.length <= 1) return [];
  if (!surging) return view.running.slice(1);
  const updated = view.running.filter((p) => isUpdated(p, hash));
  const old = view.running.filter((p) => !isUpdated(p, hash));
  return [...old.slice(1), ...updated.slice(0, -1)];
}

function manage(views: NodeView[], hash: string, surging: boolean, plan: DaemonPlan): void {
  for (const v of views) {
    for (const pod of v.failed) plan.deletes.push({ pod, reason: 'failed' });
    if (v.shouldRun) {
      if (v.running.length === 0) plan.create.push(v.node.metadata?.name ?? '');
      for (const pod of duplicates(v, hash, surging)) plan.deletes.push({ pod, reason: 'duplicate' });
    } else if (!v.shouldContinueRunning) {
      for (const pod of v.running) plan.deletes.push({ pod, reason: 'misscheduled' });
    }
  }
}

function rollingUpdate(ds: DaemonSet, views: NodeView[], hash: string, now: Date, plan: DaemonPlan): void {
  const strategy = ds.spec?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') return;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const desired = views.filter((v) => v.shouldRun && v.running.length > 0);
  const total = views.filter((v) => v.shouldRun).length;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const maxSurge = scaledValue(strategy.rollingUpdate?.maxSurge, total, true);
  if (maxSurge > 0) {
    let surging = 0;
    const candidates: string[] = [];
    for (const v of desired) {
      const fresh = v.running.filter((p) => isUpdated(p, hash)).at(-1);
      const old = v.running.filter((p) => !isUpdated(p, hash));
      if (old.length === 0) continue;
      if (fresh && available(fresh)) for (const pod of old) plan.deletes.push({ pod, reason: 'update' });
      else if (fresh) surging++;
      else if (!old.some(available)) plan.create.push(v.node.metadata?.name ?? '');
      else candidates.push(v.node.metadata?.name ?? '');
    }
    plan.create.push(...candidates.slice(0, Math.max(0, maxSurge - surging)));
    return;
  }
  let maxUnavailable = scaledValue(strategy.rollingUpdate?.maxUnavailable ?? 1, total, true);
  if (maxUnavailable === 0) maxUnavailable = 1;
  // Every desired node without an available pod counts, including ones still waiting for theirs.
  let unavailable = views.filter((v) => v.shouldRun && !v.running.some(available)).length;
  const candidates: Pod[] = [];
  for (const v of desired) {
    if (v.running.some((p) => isUpdated(p, hash))) continue;
    for (const pod of v.running) {
      if (available(pod)) candidates.push(pod);
      else plan.deletes.push({ pod, reason: 'update' });
    }
  }
  for (const pod of candidates) {
    if (unavailable >= maxUnavailable) break;
    plan.deletes.push({ pod, reason: 'update' });
    unavailable++;
  }
}

function computeStatus(
  ds: DaemonSet,
  views: NodeView[],
  hash: string,
  now: Date,
  plan: DaemonPlan,
): DaemonSetStatus {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const s = { desired: 0, current: 0, ready: 0, available: 0, updated: 0, misscheduled: 0 };
  for (const v of views) {
    const pods = [...v.running, ...v.failed];
    if (!v.shouldRun) {
      if (pods.length > 0) s.misscheduled++;
      continue;
    }
    s.desired++;
    if (pods.length === 0) continue;
    s.current++;
    if (pods.some((p) => isPodReady(p))) s.ready++;
    if (pods.some((p) => isPodAvailable(p, minReady, now))) s.available++;
    if (pods.some((p) => isUpdated(p, hash))) s.updated++;
    for (const p of pods) {
      const ms = msUntilAvailable(p, minReady, now);
      if (ms && (plan.requeueMs === undefined || ms < plan.requeueMs)) plan.requeueMs = ms;
    }
  }
  return {
    ...ds.status,
    observedGeneration: ds.metadata?.generation,
    desiredNumberScheduled: s.desired,
    currentNumberScheduled: s.current,
    numberReady: s.ready,
    numberAvailable: s.available,
    numberUnavailable: s.desired - s.available,
    updatedNumberScheduled: s.updated,
    numberMisscheduled: s.misscheduled,
  };
}

/** Plans one DaemonSet sync over a snapshot. `pods` are the pods the DaemonSet controls. */
export function planDaemonSet(
  ds: DaemonSet,
  nodes: Node[],
  pods: Pod[],
  hash: string,
  now: Date,
): DaemonPlan {
  const plan: DaemonPlan = { create: [], deletes: [], status: {} as DaemonSetStatus };
  const { views, orphaned } = nodeViews(ds, nodes, pods);
  for (const pod of orphaned) plan.deletes.push({ pod, reason: 'node-gone' });
  const surging = scaledValue(surgeOf(ds), 1, true) > 0;
  manage(views, hash, surging, plan);
  rollingUpdate(ds, views, hash, now, plan);
  plan.status = computeStatus(ds, views, hash, now, plan);
  // A pod may be chosen twice (duplicate and update): delete it once.
  const seen = new Set<string>();
  plan.deletes = plan.deletes.filter((d) => !seen.has(podKey(d.pod)) && !!seen.add(podKey(d.pod)));
  plan.create = [...new Set(plan.create)];
  return plan;
}
