/**
 * Test helpers for the workload controllers' integration tests, which run without a kubelet: the
 * test plays the node agent by writing pod status and finishing graceful deletions, and creates
 * Node objects. Used only by *.test.ts files.
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { Informer } from '../../client/informer.js';
import type { Client } from '../../client/types.js';
import { rfc3339 } from './kit.js';

type PodObj = Pod & KObject;

/** A Ready node with capacity, as an agent would register it. */
export function testNode(
  name: string,
  labels: Record<string, string> = {},
  taints: Taint[] = [],
): Node & KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: { taints },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
    },
  };
}

/** Writes a pod's phase (and Ready condition) as the kubelet would. */
export async function setPodPhase(
  client: Client,
  namespace: string,
  name: string,
  phase: 'Running' | 'Succeeded' | 'Failed',
  ready = phase === 'Running',
): Promise<void> {
  const pods = client.resource<PodObj>('', 'v1', 'pods');
  for (let attempt = 0; ; attempt++) {
    const pod = await pods.get(namespace, name);
    const now = rfc3339(new Date());
    (pod as KObject).status = {
      ...pod.status,
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready,
        restartCount: 0,
        state:
          phase === 'Running'
            ? { running: { startedAt: now } }
            : { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: now } },
      })),
    };
    try {
      await pods.updateStatus(namespace, pod);
      return;
    } catch (err) {
      if (attempt > 5) throw err;
    }
  }
}

export interface FakeKubelet {
  stop(): void;
}

/**
 * Plays every node agent: finishes graceful deletions at once and, when `autoReady` says so,
 * marks new pods Running and Ready.
 */
export function startFakeKubelet(
  client: Client,
  autoReady: (pod: PodObj) => boolean = () => false,
): FakeKubelet {
  const pods = client.resource<PodObj>('', 'v1', 'pods');
  const informer = new Informer<PodObj>(pods);
  const busy = new Set<string>();
  const handle = (pod: PodObj) => {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const key = `${ns}/${name}`;
    if (busy.has(key)) return;
    let work: Promise<unknown> | undefined;
    if (pod.metadata.deletionTimestamp) work = pods.delete(ns, name, { gracePeriodSeconds: 0 });
    else if (!pod.status?.phase || pod.status.phase === 'Pending') {
      if (autoReady(pod)) work = setPodPhase(client, ns, name, 'Running');
    }
    if (!work) return;
    busy.add(key);
    void work.catch(() => {}).finally(() => busy.delete(key));
  };
  informer.addHandlers({ onAdd: handle, onUpdate: (_, pod) => handle(pod) });
  void informer.start();
  return { stop: () => informer.stop() };
}

/**
 * Retries a write that lost a race with a controller's status write. (In-process patches carry
 * the current resourceVersion, so they can conflict where Kubernetes would retry them itself.)
 */
export async function retryConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isReason(err, 'Conflict') || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
