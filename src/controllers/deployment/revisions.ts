/**
 * Revisions and the annotations a Deployment keeps on its ReplicaSets (deployment/util): the
 * revision number `kubectl rollout history|undo` read, the revision history of a re-used
 * ReplicaSet, desired/max replicas for scaling decisions, the Deployment's own annotations
 * (change-cause included) copied over, and which old ReplicaSets revisionHistoryLimit retires.
 */
import type { ReplicaSetObj } from '../replicaset/index.js';
import type { DeploymentObj } from './rollout.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';

/** Deployment annotations that are the controller's or kubectl's own, never copied to RSs. */
const skipCopy = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

/** The revision number of an object (0 when absent or malformed). */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number.parseInt(obj.metadata.annotations?.[revisionAnnotation] ?? '', 10);
  return Number.isNaN(n) ? 0 : n;
}

/** The highest revision among these ReplicaSets. */
export function maxRevision(sets: ReplicaSetObj[]): number {
  return sets.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * Brings a new (or re-used) ReplicaSet's annotations up to date in place: the Deployment's
 * annotations, and `revision` raised to newRevision (the old value joins revision-history, as
 * `rollout undo` relies on). Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: DeploymentObj,
  rs: ReplicaSetObj,
  newRevision: number,
): boolean {
  const annotations = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (skipCopy.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const old = revisionOf(rs);
  if (old < newRevision) {
    if (annotations[revisionAnnotation]) {
      const history = annotations[revisionHistoryAnnotation];
      annotations[revisionHistoryAnnotation] = history ? `${history},${old}` : String(old);
    }
    annotations[revisionAnnotation] = String(newRevision);
    changed = true;
  }
  if (changed) rs.metadata.annotations = annotations;
  return changed;
}

/** Sets desired-replicas and max-replicas in place; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSetObj, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  if (a[desiredReplicasAnnotation] === String(desired) && a[maxReplicasAnnotation] === String(max))
    return false;
  rs.metadata.annotations = {
    ...a,
    [desiredReplicasAnnotation]: String(desired),
    [maxReplicasAnnotation]: String(max),
  };
  return true;
}

/** The desired-replicas annotation, if present and numeric. */
export function desiredReplicasOf(rs: ReplicaSetObj): number | undefined {
  const n = Number.parseInt(rs.metadata.annotations?.[desiredReplicasAnnotation] ?? '', 10);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Old ReplicaSets beyond revisionHistoryLimit to delete, lowest revision first; only fully
 * scaled-down ones whose status caught up, so nothing running is ever removed.
 */
export function replicaSetsToCleanUp(d: DeploymentObj, oldSets: ReplicaSetObj[]): ReplicaSetObj[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined) return [];
  const candidates = oldSets.filter((rs) => !rs.metadata.deletionTimestamp);
  const surplus = candidates.length - limit;
  if (surplus <= 0) return [];
  return candidates
    .sort(
      (a, b) =>
        revisionOf(a) - revisionOf(b) ||
        Date.parse(a.metadata.creationTimestamp ?? '0') - Date.parse(b.metadata.creationTimestamp ?? '0'),
    )
    .slice(0, surplus)
    .filter(
      (rs) =>
        (rs.spec?.replicas ?? 0) === 0 &&
        (rs.status?.replicas ?? 0) === 0 &&
        (rs.status?.observedGeneration ?? 0) >= (rs.metadata.generation ?? 0),
    );
}
