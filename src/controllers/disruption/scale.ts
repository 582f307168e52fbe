/**
 * The expected scale behind a budget's pods (Kubernetes' getExpectedScale): each pod's
 * controller — a Deployment through its ReplicaSet, a bare ReplicaSet, a StatefulSet or a
 * ReplicationController — counted once, replicas summed. A pod without such a controller makes
 * percentages and maxUnavailable meaningless, which is an error.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { Client } from '../../client/types.js';

interface Scalable extends KObject {
  spec?: { replicas?: number };
}

const controllerOf = (obj: { metadata?: { ownerReferences?: OwnerReference[] } }) =>
  obj.metadata?.ownerReferences?.find((r) => r.controller === true);

async function fetch(
  client: Client,
  group: string,
  resource: string,
  ns: string,
  ref: OwnerReference,
): Promise<Scalable | undefined> {
  try {
    const obj = await client.resource<Scalable>(group, 'v1', resource).get(ns, ref.name);
    return obj.metadata.uid === ref.uid ? obj : undefined;
  } catch (err) {
    if (isReason(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** The scaling object (and its replicas) that controls a pod, if any. */
async function scaleOf(client: Client, pod: Pod): Promise<{ uid: string; replicas: number } | undefined> {
  const ref = controllerOf(pod);
  const ns = pod.metadata?.namespace ?? '';
  if (!ref) return undefined;
  const replicas = (o: Scalable) => ({ uid: o.metadata.uid!, replicas: o.spec?.replicas ?? 1 });
  if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
    const rs = await fetch(client, 'apps', 'replicasets', ns, ref);
    if (!rs) return undefined;
    const parent = controllerOf(rs);
    if (parent?.kind === 'Deployment') {
      const d = await fetch(client, 'apps', 'deployments', ns, parent);
      return d ? replicas(d) : undefined;
    }
    return replicas(rs);
  }
  if (ref.kind === 'StatefulSet') {
    const ss = await fetch(client, 'apps', 'statefulsets', ns, ref);
    return ss ? replicas(ss) : undefined;
  }
  if (ref.kind === 'ReplicationController') {
    const rc = await fetch(client, '', 'replicationcontrollers', ns, ref);
    return rc ? replicas(rc) : undefined;
  }
  return undefined;
}

/** The summed replicas of the pods' controllers; throws when a pod has none skiff can scale. */
export async function expectedScale(client: Client, pods: Pod[]): Promise<number> {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const s = await scaleOf(client, pod);
    if (!s) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`);
    seen.set(s.uid, s.replicas);
  }
  let total = 0;
  for (const n of seen.values()) total += n;
  return total;
}
