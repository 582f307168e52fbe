/**
 * Test support for workload controller tests (not used in production code): fixture builders
 * for ReplicaSets, and a fake kubelet that plays every node agent: it binds new pods to a node,
 * marks them Running and Ready, and finishes graceful deletions, so tests run against the real
 * server without containers.
 */
import type { PodStatus } from 'kubernetes-types/core/v1.js';
import { isReason } from '../../api/errors.js';
import { Informer } from '../../client/informer.js';
import type { Client } from '../../client/types.js';
import type { PodObj } from './pods.js';
import type { ReplicaSetObj } from './status.js';

/** A minimal pod template for `labels`, running `image`. */
export function podTemplate(labels: Record<string, string>, image = 'nginx:1.25') {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } };
}

/** A ReplicaSet selecting `labels`. */
export function replicaSet(
  name: string,
  replicas: number,
  labels: Record<string, string>,
  image?: string,
): ReplicaSetObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels, image) },
  };
}

/** Pods carrying this annotation set to "true" are left alone: unscheduled and Pending. */
export const holdAnnotation = 'skiff.test/hold';

export interface FakeKubeletOptions {
  nodeName?: string;
  /** Delay before a new pod is reported Ready. */
  readyAfterMs?: number;
  /** Pods for which this returns false stay Pending (bound but never started). */
  admit?: (pod: PodObj) => boolean;
}

/** A running fake kubelet; stop() ends its watch. */
export interface FakeKubelet {
  stop(): void;
}

function runningStatus(pod: PodObj, now: string): PodStatus {
  return {
    ...pod.status,
    phase: 'Running',
    startTime: now,
    podIP: '10.42.0.10',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'True', lastTransitionTime: now },
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/** Starts a fake kubelet over every pod the client can see. */
export function startFakeKubelet(client: Client, options: FakeKubeletOptions = {}): FakeKubelet {
  const pods = client.resource<PodObj>('', 'v1', 'pods');
  const informer = new Informer<PodObj>(pods);
  const node = options.nodeName ?? 'node-1';
  const inFlight = new Set<string>();
  let stopped = false;

  const start = async (pod: PodObj) => {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name!;
    if (!pod.spec?.nodeName)
      await pods.createSubresource(ns, name, 'binding', { target: { kind: 'Node', name: node } });
    if (options.admit && !options.admit(pod)) return;
    if (options.readyAfterMs) await new Promise((r) => setTimeout(r, options.readyAfterMs));
    for (let attempt = 0; attempt < 5 && !stopped; attempt++) {
      try {
        const fresh = await pods.get(ns, name);
        if (fresh.metadata.deletionTimestamp) return;
        const status = runningStatus(fresh, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
        await pods.updateStatus(ns, { ...fresh, status });
        return;
      } catch (err) {
        if (!isReason(err, 'Conflict')) throw err;
      }
    }
  };

  const handle = (pod: PodObj) => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (stopped || inFlight.has(key) || pod.metadata.annotations?.[holdAnnotation] === 'true') return;
    let work: (() => Promise<unknown>) | undefined;
    if (pod.metadata.deletionTimestamp) {
      work = () => pods.delete(pod.metadata.namespace ?? '', pod.metadata.name!, { gracePeriodSeconds: 0 });
    } else if (
      pod.status?.phase === 'Pending' &&
      (!pod.spec?.nodeName || !options.admit || options.admit(pod))
    ) {
      work = () => start(pod);
    }
    if (!work) return;
    inFlight.add(key);
    work()
      .catch(() => {})
      .finally(() => inFlight.delete(key));
  };

  informer.addHandlers({ onAdd: handle, onUpdate: (_, pod) => handle(pod) });
  void informer.start();
  return {
    stop() {
      stopped = true;
      informer.stop();
    },
  };
}
