/**
 * Rollout arithmetic, pure (deployment/util and rolling.go): surge and unavailability budgets,
 * how far the new ReplicaSet may grow, how far old ones may shrink, and how a deployment scaled
 * mid-rollout spreads the change over its ReplicaSets. Functions return target sizes; the
 * controller writes them.
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/object.js';
import type { ReplicaSetObj } from '../replicaset/index.js';

/** A Deployment as the client hands it out. */
export type DeploymentObj = Deployment & KObject;

/** Target sizes by ReplicaSet name. */
export type SizePlan = Map<string, number>;

/** spec.replicas of a ReplicaSet (0 when unset on a nil RS). */
export function specReplicas(rs: ReplicaSetObj | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

function available(rs: ReplicaSetObj | undefined): number {
  return rs?.status?.availableReplicas ?? 0;
}

/** Sum of spec.replicas. */
export function totalSpecReplicas(sets: ReplicaSetObj[]): number {
  return sets.reduce((n, rs) => n + specReplicas(rs), 0);
}

/** An int-or-percent resolved against `total`; percentages round up or down as asked. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const pct = Number.parseInt(v.replace(/%$/, ''), 10);
  if (Number.isNaN(pct)) throw new Error(`invalid value for IntOrString: ${v}`);
  const raw = (pct * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/**
 * [maxSurge, maxUnavailable] for `desired` replicas: surge rounds up, unavailability rounds
 * down; if both come out 0 (rounding, since validation forbids two explicit zeros),
 * unavailability becomes 1 so the rollout can still move.
 */
export function resolveFenceposts(
  surge: number | string | undefined,
  unavailable: number | string | undefined,
  desired: number,
): [number, number] {
  const s = scaledValue(surge, desired, true);
  const u = scaledValue(unavailable, desired, false);
  return s === 0 && u === 0 ? [0, 1] : [s, u];
}

function isRolling(d: DeploymentObj): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function fenceposts(d: DeploymentObj): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', d.spec?.replicas ?? 1);
}

/** Extra pods a rolling update may run above spec.replicas. */
export function maxSurge(d: DeploymentObj): number {
  return isRolling(d) ? fenceposts(d)[0] : 0;
}

/** Pods a rolling update may have unavailable, never more than spec.replicas. */
export function maxUnavailable(d: DeploymentObj): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d)[1], replicas);
}

/** The size the new ReplicaSet should have now (NewRSNewReplicas). */
export function newReplicaSetSize(
  d: DeploymentObj,
  allSets: ReplicaSetObj[],
  newRS: ReplicaSetObj | undefined,
): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRolling(d)) return replicas;
  const maxTotal = replicas + maxSurge(d);
  const current = totalSpecReplicas(allSets);
  const size = specReplicas(newRS);
  if (current >= maxTotal) return size;
  return size + Math.max(0, Math.min(maxTotal - current, replicas - size));
}

function byCreation(a: ReplicaSetObj, b: ReplicaSetObj): number {
  const t = Date.parse(a.metadata.creationTimestamp ?? '0') - Date.parse(b.metadata.creationTimestamp ?? '0');
  return t !== 0 ? t : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/**
 * How far old ReplicaSets shrink in one rolling step (reconcileOldReplicaSets): first pods that
 * are not available anyway (cleanupUnhealthyReplicas), then available ones while at least
 * replicas - maxUnavailable stay available. Oldest ReplicaSets shrink first.
 */
export function planOldScaleDown(
  d: DeploymentObj,
  newRS: ReplicaSetObj | undefined,
  oldSets: ReplicaSetObj[],
): SizePlan {
  const plan: SizePlan = new Map();
  const allSets = newRS ? [newRS, ...oldSets] : oldSets;
  if (totalSpecReplicas(oldSets) === 0) return plan;
  const minAvailable = (d.spec?.replicas ?? 1) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - available(newRS);
  const maxScaledDown = totalSpecReplicas(allSets) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return plan;
  const sorted = [...oldSets].sort(byCreation);
  const size = (rs: ReplicaSetObj) => plan.get(rs.metadata.name!) ?? specReplicas(rs);

  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = specReplicas(rs) - available(rs);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    plan.set(rs.metadata.name!, specReplicas(rs) - down);
    cleaned += down;
  }

  const availableNow = allSets.reduce((n, rs) => n + available(rs), 0);
  const target = availableNow - minAvailable;
  let scaled = 0;
  for (const rs of sorted) {
    if (scaled >= target) break;
    if (size(rs) === 0) continue;
    const down = Math.min(size(rs), target - scaled);
    plan.set(rs.metadata.name!, size(rs) - down);
    scaled += down;
  }
  return plan;
}

/**
 * Sizes after the deployment itself was resized (dc.scale). One active ReplicaSet simply takes
 * the new size; a saturated new ReplicaSet retires the old ones; otherwise, mid-rollout, the
 * change is spread over active ReplicaSets in proportion to their current sizes, the rounding
 * remainder going to the largest (newest on ties). Simplified from Kubernetes, which weighs by
 * the max-replicas annotation each ReplicaSet was last sized for.
 */
export function planScale(
  d: DeploymentObj,
  newRS: ReplicaSetObj | undefined,
  oldSets: ReplicaSetObj[],
): SizePlan {
  const plan: SizePlan = new Map();
  const replicas = d.spec?.replicas ?? 1;
  const all = newRS ? [newRS, ...oldSets] : [...oldSets];
  const active = all.filter((rs) => specReplicas(rs) > 0);
  const newestOld = [...oldSets].sort(byCreation).at(-1);
  const single = active.length === 0 ? (newRS ?? newestOld) : active.length === 1 ? active[0] : undefined;
  if (single) {
    if (specReplicas(single) !== replicas) plan.set(single.metadata.name!, replicas);
    return plan;
  }
  if (newRS && specReplicas(newRS) === replicas && available(newRS) === replicas) {
    for (const rs of oldSets) if (specReplicas(rs) > 0) plan.set(rs.metadata.name!, 0);
    return plan;
  }
  if (!isRolling(d)) return plan;
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const current = totalSpecReplicas(active);
  const toAdd = allowed - current;
  if (toAdd === 0 || current === 0) return plan;
  const order = [...active].sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
  let added = 0;
  for (const rs of order) {
    const share = Math.trunc((specReplicas(rs) * toAdd) / current);
    plan.set(rs.metadata.name!, specReplicas(rs) + share);
    added += share;
  }
  const first = order[0];
  plan.set(first.metadata.name!, Math.max(0, plan.get(first.metadata.name!)! + toAdd - added));
  return plan;
}
