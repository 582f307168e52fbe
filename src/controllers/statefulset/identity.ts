/**
 * A StatefulSet pod's stable identity: its name "<set>-<ordinal>", the pod-name and pod-index
 * labels, hostname and subdomain (for the governing headless Service), and the claims
 * "<template>-<set>-<ordinal>" its volumeClaimTemplates give it. Pure functions.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import { REVISION_LABEL } from '../daemonset/history.js';
import { controllerRef } from '../daemonset/kit.js';
import { podFromTemplate } from '../daemonset/pods.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

type STS = StatefulSet & KObject;

/** The ordinal in a pod name "<set>-<n>", or undefined when the pod is not one of the set's. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return undefined;
  return Number(rest);
}

export function podName(set: STS, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(claim: string, set: STS, ordinal: number): string {
  return `${claim}-${set.metadata.name}-${ordinal}`;
}

/** The PVCs the pod of `ordinal` mounts, from the set's volumeClaimTemplates. */
export function claimsFor(set: STS, ordinal: number): Array<PersistentVolumeClaim & KObject> {
  const deleteWithSet = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(t.metadata?.name ?? '', set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(set.spec?.selector?.matchLabels ?? {}), ...(t.metadata?.labels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      // With whenDeleted: Delete the claims go with the set (the garbage collector follows this
      // reference); otherwise they outlive it, as Kubernetes keeps data by default.
      ...(deleteWithSet ? { ownerReferences: [{ ...controllerRef(set), controller: false }] } : {}),
    },
    spec: cloneJSON(t.spec ?? {}),
  }));
}

/** The template a revision's data holds (the strategic-merge patch written by history.ts). */
export function templateOfRevision(data: unknown): PodTemplateSpec | undefined {
  const template = (data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec
    ?.template;
  if (!template) return undefined;
  const { $patch: _, ...rest } = template;
  return rest;
}

/** The pod of `ordinal` built from `template` at revision `revisionName`. */
export function newStatefulPod(
  set: STS,
  template: PodTemplateSpec | undefined,
  ordinal: number,
  revisionName: string,
): Pod & KObject {
  const pod = podFromTemplate(template, set) as Pod & KObject;
  const name = podName(set, ordinal);
  pod.metadata.name = name;
  pod.metadata.labels = {
    ...pod.metadata.labels,
    [POD_NAME_LABEL]: name,
    [POD_INDEX_LABEL]: String(ordinal),
    [REVISION_LABEL]: revisionName,
  };
  const spec = { ...(pod.spec ?? { containers: [] }) };
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claimVolumes: Volume[] = (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimName(t.metadata?.name ?? '', set, ordinal) },
  }));
  const claimed = new Set(claimVolumes.map((v) => v.name));
  spec.volumes = [...(spec.volumes ?? []).filter((v) => !claimed.has(v.name)), ...claimVolumes];
  if (spec.volumes.length === 0) delete spec.volumes;
  pod.spec = spec;
  return pod;
}
