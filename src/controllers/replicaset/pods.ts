/**
 * Pure pod helpers shared by the ReplicaSet and Deployment controllers: which pods count
 * (active, ready, available as podutil defines them), the controller ownerReference, building a
 * pod from a template, and the order in which surplus pods are deleted.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';

/** A Pod as the client hands it out: metadata always present. */
export type PodObj = Pod & KObject;

/** The ownerReference marked controller=true, if any. */
export function controllerRef(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The ownerReference a controller puts on what it creates or adopts. */
export function ownerRefTo(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Active as FilterActivePods: not finished and not being deleted. */
export function isPodActive(pod: PodObj): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: PodObj) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The Ready condition is True. */
export function isPodReady(pod: PodObj): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: PodObj, minReadySeconds: number, now: Date): boolean {
  const cond = readyCondition(pod);
  if (cond?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : Number.NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now.getTime();
}

/** A new pod from a template, as controller.GetPodFromTemplate builds it. */
export function podFromTemplate(
  template: PodTemplateSpec,
  namespace: string,
  prefix: string,
  ref: OwnerReference,
): PodObj {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${prefix}-`,
      namespace,
      labels: { ...(meta.labels ?? {}) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [ref],
    },
    spec: cloneJSON(template.spec ?? { containers: [] }),
  };
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: PodObj): number {
  const v = Number(pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function readySince(pod: PodObj): number {
  const t = readyCondition(pod)?.lastTransitionTime;
  return t ? Date.parse(t) : 0;
}

function restarts(pod: PodObj): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/**
 * Orders pods so the ones cheapest to lose come first, following Kubernetes' ActivePods
 * ranking: unscheduled before scheduled, Pending before Unknown before Running, not ready before
 * ready, lower pod-deletion-cost first, ready for less time first, more restarts first, newer
 * first. Simplified: Kubernetes also ranks by how many sibling pods share a node; we do not.
 */
export function compareForDeletion(a: PodObj, b: PodObj): number {
  const assigned = Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName);
  if (assigned !== 0) return assigned;
  const phase =
    (phaseRank[a.status?.phase ?? 'Pending'] ?? 0) - (phaseRank[b.status?.phase ?? 'Pending'] ?? 0);
  if (phase !== 0) return phase;
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready !== 0) return ready;
  const cost = deletionCost(a) - deletionCost(b);
  if (cost !== 0) return cost;
  if (isPodReady(a) && isPodReady(b)) {
    const since = readySince(b) - readySince(a);
    if (since !== 0) return since;
  }
  const restart = restarts(b) - restarts(a);
  if (restart !== 0) return restart;
  return Date.parse(b.metadata.creationTimestamp ?? '0') - Date.parse(a.metadata.creationTimestamp ?? '0');
}

/** The `count` pods to delete first. */
export function podsToDelete(pods: PodObj[], count: number): PodObj[] {
  if (count >= pods.length) return [...pods];
  return [...pods].sort(compareForDeletion).slice(0, count);
}
