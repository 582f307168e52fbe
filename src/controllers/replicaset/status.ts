/**
 * ReplicaSet status from the pods it owns (replica_set_utils.calculateStatus): counts, the
 * observed generation, and the ReplicaFailure condition that surfaces create/delete errors.
 */
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/object.js';
import { isPodAvailable, isPodReady, type PodObj } from './pods.js';

/** A ReplicaSet as the client hands it out. */
export type ReplicaSetObj = ReplicaSet & KObject;

/** What the last manageReplicas call ran into, for the ReplicaFailure condition. */
export interface ManageFailure {
  reason: 'FailedCreate' | 'FailedDelete';
  message: string;
}

function labelsMatch(
  want: Record<string, string> | undefined,
  have: Record<string, string> | undefined,
): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);
}

function stamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The status the ReplicaSet should have, given its active owned pods. */
export function calculateStatus(
  rs: ReplicaSetObj,
  pods: PodObj[],
  failure: ManageFailure | undefined,
  now: Date,
): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (labelsMatch(templateLabels, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const existing = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (failure) {
    // Keep the first failure's condition as it was: rewriting it on every retry only churns.
    const cond: ReplicaSetCondition = existing ?? {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: stamp(now),
      reason: failure.reason,
      message: failure.message,
    };
    conditions.push(cond);
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/**
 * When the next pod becomes available because its minReadySeconds elapse, in ms from now;
 * undefined when no ready pod is waiting for that.
 */
export function nextAvailableInMs(rs: ReplicaSetObj, pods: PodObj[], now: Date): number | undefined {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  let soonest: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReady, now)) continue;
    const since = Date.parse(
      pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '',
    );
    const wait = Number.isNaN(since) ? minReady * 1000 : since + minReady * 1000 - now.getTime();
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  return soonest === undefined ? undefined : Math.max(1, soonest + 1);
}
