/**
 * The informer wiring both endpoints controllers share: services and pods, with every change
 * turned into the keys of the services it may affect (a pod maps to the services in its namespace
 * whose selector matches its old or new labels).
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import type { Informer } from '../../client/informer.js';
import { keyOf } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ControllerContext } from '../manager.js';
import { selects } from './pods.js';

export type ServiceObject = Service & KObject;
export type PodObject = Pod & KObject;

export interface ServiceWatch {
  queue: WorkQueue;
  services: Informer<ServiceObject>;
  pods: Informer<PodObject>;
  /** The pods of a namespace that a service selects. */
  selectedPods(svc: ServiceObject): PodObject[];
}

/** Starts the shared informers and a queue of service keys; resolves once both have synced. */
export async function watchServices(ctx: ControllerContext): Promise<ServiceWatch> {
  const queue = new WorkQueue(ctx.clock);
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  const services = ctx.informers.for<ServiceObject>('', 'v1', 'services');
  const pods = ctx.informers.for<PodObject>('', 'v1', 'pods');
  const enqueueFor = (pod: PodObject, labels: Array<Record<string, string> | undefined>) => {
    const ns = pod.metadata.namespace;
    for (const svc of services.list()) {
      if (svc.metadata.namespace === ns && labels.some((l) => selects(svc, l))) queue.add(keyOf(svc));
    }
  };
  services.addHandlers({
    onAdd: (s) => queue.add(keyOf(s)),
    onUpdate: (_o, s) => queue.add(keyOf(s)),
    onDelete: (s) => queue.add(keyOf(s)),
  });
  pods.addHandlers({
    onAdd: (p) => enqueueFor(p, [p.metadata.labels]),
    onUpdate: (o, p) => enqueueFor(p, [o.metadata.labels, p.metadata.labels]),
    onDelete: (p) => enqueueFor(p, [p.metadata.labels]),
  });
  await Promise.all([services.hasSynced(), pods.hasSynced()]);
  return {
    queue,
    services,
    pods,
    selectedPods: (svc) =>
      pods
        .list()
        .filter((p) => p.metadata.namespace === svc.metadata.namespace && selects(svc, p.metadata.labels)),
  };
}
