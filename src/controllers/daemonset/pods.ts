/**
 * Pod facts the workload controllers decide on (ready, available, terminating, finished) and the
 * pod a controller makes from its template. Shared by DaemonSet, StatefulSet and Job.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import { controllerRef } from './kit.js';

/** The pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Running and Ready: what OrderedReady waits for. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/** Succeeded or Failed: the pod's containers will not run again. */
export function isFinished(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Not finished and not being deleted. */
export function isActive(pod: Pod): boolean {
  return !isFinished(pod) && !isTerminating(pod);
}

/**
 * Milliseconds until a ready pod counts as available (0 when it already does), or undefined when
 * it is not ready at all. Available means ready for at least minReadySeconds.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return undefined;
  if (minReadySeconds <= 0 || !ready.lastTransitionTime) return 0;
  const at = new Date(ready.lastTransitionTime).getTime() + minReadySeconds * 1000;
  return Math.max(0, at - now.getTime());
}

export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0;
}

/** The pod a controller creates from its template (controller.GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KObject): Pod {
  const meta = template?.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}) },
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec: cloneJSON(template?.spec ?? { containers: [] }),
  };
}

/** Oldest first; ties by name so decisions are deterministic. */
export function byCreation(a: KObject, b: KObject): number {
  const ta = a.metadata.creationTimestamp ? new Date(a.metadata.creationTimestamp).getTime() : 0;
  const tb = b.metadata.creationTimestamp ? new Date(b.metadata.creationTimestamp).getTime() : 0;
  return ta - tb || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
