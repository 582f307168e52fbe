/**
 * The StatefulSet decision, pure over a snapshot (the set, its pods, its current and update
 * revision names, the time), following the order of Kubernetes' updateStatefulSet:
 *   1. replace failed pods and create missing ordinals, lowest first;
 *   2. delete ordinals beyond the replica count, highest first;
 *   3. rolling update: delete the highest ordinal >= partition that is not at the update revision.
 * OrderedReady (monotonic) stops at the first action or at the first pod that is not Running,
 * Ready and available; Parallel creates and deletes everything at once. A rolling update always
 * replaces one pod at a time and waits for it to be healthy again.
 */
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { REVISION_LABEL } from '../daemonset/history.js';
import {
  isFinished,
  isPodAvailable,
  isRunningAndReady,
  isTerminating,
  msUntilAvailable,
} from '../daemonset/pods.js';
import { ordinalOf } from './identity.js';

type STS = StatefulSet & KObject;

export type StatefulAction =
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { type: 'delete'; pod: Pod; reason: 'failed' | 'condemned' | 'update' };

export interface StatefulPlan {
  actions: StatefulAction[];
  status: StatefulSetStatus;
  requeueMs?: number;
}

export interface Revisions {
  current: string;
  update: string;
}

const revisionOf = (pod: Pod) => pod.metadata?.labels?.[REVISION_LABEL];

interface Snapshot {
  start: number;
  /** Index i holds the pod of ordinal start+i, if it exists. */
  replicas: Array<Pod | undefined>;
  /** Pods whose ordinal is out of range, highest ordinal first. */
  condemned: Pod[];
}

function snapshot(set: STS, pods: Pod[]): Snapshot {
  const start = set.spec?.ordinals?.start ?? 0;
  const n = set.spec?.replicas ?? 1;
  const replicas: Array<Pod | undefined> = new Array(n).fill(undefined);
  const condemned: Array<[number, Pod]> = [];
  for (const pod of pods) {
    const ord = ordinalOf(set.metadata.name ?? '', pod.metadata?.name ?? '');
    if (ord === undefined) continue;
    if (ord >= start && ord < start + n) replicas[ord - start] = pod;
    else condemned.push([ord, pod]);
  }
  condemned.sort((a, b) => b[0] - a[0]);
  return { start, replicas, condemned: condemned.map(([, p]) => p) };
}

function computeStatus(set: STS, pods: Pod[], revs: Revisions, now: Date): StatefulSetStatus {
  const minReady = set.spec?.minReadySeconds ?? 0;
  const live = pods.filter((p) => !isTerminating(p));
  const status: StatefulSetStatus = {
    ...set.status,
    observedGeneration: set.metadata.generation,
    replicas: live.length,
    readyReplicas: live.filter(isRunningAndReady).length,
    availableReplicas: live.filter((p) => isRunningAndReady(p) && isPodAvailable(p, minReady, now)).length,
    currentReplicas: live.filter((p) => revisionOf(p) === revs.current).length,
    updatedReplicas: live.filter((p) => revisionOf(p) === revs.update).length,
    currentRevision: revs.current,
    updateRevision: revs.update,
  };
  // A finished rolling update makes the update revision current (completeRollingUpdate).
  if (
    set.spec?.updateStrategy?.type !== 'OnDelete' &&
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas &&
    status.replicas === (set.spec?.replicas ?? 1)
  ) {
    status.currentRevision = revs.update;
    status.currentReplicas = status.updatedReplicas;
  }
  return status;
}

/** Plans one StatefulSet sync. `pods` are the pods the set controls. */
export function planStatefulSet(set: STS, pods: Pod[], revs: Revisions, now: Date): StatefulPlan {
  const plan: StatefulPlan = { actions: [], status: computeStatus(set, pods, revs, now) };
  const minReady = set.spec?.minReadySeconds ?? 0;
  const healthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p) && isPodAvailable(p, minReady, now);
  for (const p of pods) {
    const ms = msUntilAvailable(p, minReady, now);
    if (ms && (plan.requeueMs === undefined || ms < plan.requeueMs)) plan.requeueMs = ms;
  }
  if (set.metadata.deletionTimestamp) return plan;
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const snap = snapshot(set, pods);
  const partition =
    set.spec?.updateStrategy?.type === 'RollingUpdate'
      ? (set.spec.updateStrategy.rollingUpdate?.partition ?? 0)
      : 0;
  const firstUnhealthy = [...snap.replicas, ...snap.condemned].find((p) => !p || !healthy(p));

  for (const [i, pod] of snap.replicas.entries()) {
    if (pod && isFinished(pod) && !isTerminating(pod)) {
      plan.actions.push({ type: 'delete', pod, reason: 'failed' });
      if (monotonic) return plan;
      continue;
    }
    if (!pod) {
      const atCurrent = set.spec?.updateStrategy?.type === 'RollingUpdate' && i < partition;
      plan.actions.push({
        type: 'create',
        ordinal: snap.start + i,
        revision: atCurrent ? 'current' : 'update',
      });
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && !healthy(pod)) return plan;
  }

  for (const pod of snap.condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && firstUnhealthy && firstUnhealthy !== pod) return plan;
    plan.actions.push({ type: 'delete', pod, reason: 'condemned' });
    if (monotonic) return plan;
  }
  if (plan.actions.length > 0 && monotonic) return plan;

  if (set.spec?.updateStrategy?.type !== 'RollingUpdate') return plan;
  for (let i = snap.replicas.length - 1; i >= partition; i--) {
    const pod = snap.replicas[i];
    if (!pod) return plan;
    if (revisionOf(pod) !== revs.update && !isTerminating(pod)) {
      plan.actions.push({ type: 'delete', pod, reason: 'update' });
      return plan;
    }
    if (!healthy(pod)) return plan;
  }
  return plan;
}
