/**
 * Deployment status, pure: replica counts summed over ReplicaSets, the Available condition, and
 * the Progressing condition's life (progressing, complete, paused, timed out) exactly as
 * `kubectl rollout status` and `kubectl wait` read them (deployment/sync.go, progress.go).
 */
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { ReplicaSetObj } from '../replicaset/index.js';
import { type DeploymentObj, maxUnavailable, specReplicas } from './rollout.js';

/** Progressing condition reasons (deployment/util). */
export const reasons = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

type CondStatus = 'True' | 'False' | 'Unknown';

function stamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A fresh condition stamped now. */
export function condition(
  type: string,
  status: CondStatus,
  reason: string,
  message: string,
  now: Date,
): DeploymentCondition {
  const t = stamp(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/** The condition of this type, if present. */
export function getCondition(
  status: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Sets a condition (SetDeploymentCondition): unchanged status and reason is a no-op; the same
 * status keeps its lastTransitionTime.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next =
    current && current.status === cond.status
      ? { ...cond, lastTransitionTime: current.lastTransitionTime }
      : cond;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

/** Removes the condition of this type. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

const sum = (sets: ReplicaSetObj[], f: (rs: ReplicaSetObj) => number) => sets.reduce((n, rs) => n + f(rs), 0);

/** Counts and the Available condition (calculateStatus); other conditions carry over. */
export function calculateStatus(
  d: DeploymentObj,
  newRS: ReplicaSetObj | undefined,
  allSets: ReplicaSetObj[],
  now: Date,
): DeploymentStatus {
  const availableReplicas = sum(allSets, (rs) => rs.status?.availableReplicas ?? 0);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sum(allSets, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(allSets, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas,
    unavailableReplicas: Math.max(0, sum(allSets, specReplicas) - availableReplicas),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions) status.conditions = cloneJSON(d.status.conditions);
  const replicas = d.spec?.replicas ?? 1;
  if (availableReplicas >= replicas - maxUnavailable(d)) {
    setCondition(
      status,
      condition('Available', 'True', reasons.minimumAvailable, 'Deployment has minimum availability.', now),
    );
  } else {
    setCondition(
      status,
      condition(
        'Available',
        'False',
        reasons.minimumUnavailable,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  }
  return status;
}

/** Every replica updated, present and available, for the current generation. */
export function deploymentComplete(d: DeploymentObj, status: DeploymentStatus): boolean {
  const replicas = d.spec?.replicas ?? 1;
  return (
    status.updatedReplicas === replicas &&
    status.replicas === replicas &&
    status.availableReplicas === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Something moved since the last status: more updated, fewer old, more ready or available. */
export function deploymentProgressing(d: DeploymentObj, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** No progress for progressDeadlineSeconds since the Progressing condition last moved. */
export function deploymentTimedOut(d: DeploymentObj, status: DeploymentStatus, now: Date): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined) return false;
  const cond = getCondition(status, 'Progressing');
  if (!cond || cond.reason === reasons.newRSAvailable) return false;
  if (cond.reason === reasons.timedOut) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + deadline * 1000 < now.getTime();
}

/**
 * The Progressing condition after a sync (syncRolloutStatus), applied to `status` (which
 * calculateStatus produced). Paused deployments keep their paused condition.
 */
export function updateProgressing(
  d: DeploymentObj,
  status: DeploymentStatus,
  newRS: ReplicaSetObj | undefined,
  now: Date,
): void {
  if (d.spec?.progressDeadlineSeconds === undefined) {
    removeCondition(status, 'Progressing');
    return;
  }
  const current = getCondition(status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === reasons.newRSAvailable;
  if (complete || d.spec?.paused) return;
  if (newRS && deploymentComplete(d, status)) {
    const msg = `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`;
    setCondition(status, condition('Progressing', 'True', reasons.newRSAvailable, msg, now));
  } else if (deploymentProgressing(d, status)) {
    const msg = newRS
      ? `ReplicaSet "${newRS.metadata.name}" is progressing.`
      : `Deployment "${d.metadata.name}" is progressing.`;
    const cond = condition('Progressing', 'True', reasons.rsUpdated, msg, now);
    // Progress refreshes lastUpdateTime, which is what the deadline counts from.
    if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
    removeCondition(status, 'Progressing');
    setCondition(status, cond);
  } else if (deploymentTimedOut(d, status, now)) {
    const msg = newRS
      ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`
      : `Deployment "${d.metadata.name}" has timed out progressing.`;
    setCondition(status, condition('Progressing', 'False', reasons.timedOut, msg, now));
  }
}

/**
 * The Progressing condition while paused or just resumed (checkPausedConditions); a timed-out
 * condition is left as is.
 */
export function updatePaused(d: DeploymentObj, status: DeploymentStatus, now: Date): void {
  if (d.spec?.progressDeadlineSeconds === undefined) return;
  const cond = getCondition(status, 'Progressing');
  if (cond?.reason === reasons.timedOut) return;
  const pausedCond = cond?.reason === reasons.paused;
  if (d.spec?.paused && !pausedCond) {
    setCondition(status, condition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', now));
  } else if (!d.spec?.paused && pausedCond) {
    setCondition(status, condition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', now));
  }
}

/** Milliseconds until the deadline should be re-checked, or undefined when nothing waits. */
export function deadlineRecheckMs(d: DeploymentObj, status: DeploymentStatus, now: Date): number | undefined {
  const deadline = d.spec?.progressDeadlineSeconds;
  const cond = getCondition(status, 'Progressing');
  if (deadline === undefined || !cond || d.spec?.paused) return undefined;
  if (cond.reason === reasons.timedOut || deploymentComplete(d, status)) return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return undefined;
  return Math.max(0, from + deadline * 1000 - now.getTime()) + 1000;
}
