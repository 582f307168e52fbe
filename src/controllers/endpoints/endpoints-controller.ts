/**
 * The Endpoints controller: for every Service with a selector, an Endpoints object of the same
 * name listing the selected pods' addresses (ready and not ready) and resolved ports. The
 * Endpoints of a deleted Service go with it. Level-based over service keys.
 */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { splitKey } from '../../client/types.js';
import { runWorkers } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';
import { serviceSelector } from './pods.js';
import { type ServiceWatch, watchServices } from './service-watch.js';
import { buildSubsets } from './subsets.js';

type EndpointsObject = Endpoints & KObject;

const headlessLabel = 'service.kubernetes.io/headless';

/** The labels an Endpoints object carries: the service's, plus the headless marker. */
export function endpointsLabels(svc: KObject & { spec?: { clusterIP?: string } }): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[headlessLabel] = '';
  else delete labels[headlessLabel];
  return labels;
}

async function reconcile(ctx: ControllerContext, w: ServiceWatch, key: string): Promise<void> {
  const [namespace, name] = splitKey(key);
  const api = ctx.client.resource<EndpointsObject>('', 'v1', 'endpoints');
  const svc = w.services.get(key);
  if (!svc) {
    await api.delete(namespace, name).catch((err) => {
      if (!isReason(err, 'NotFound')) throw err;
    });
    return;
  }
  if (!serviceSelector(svc)) return;
  const subsets = buildSubsets(svc, w.selectedPods(svc));
  const labels = endpointsLabels(svc);
  let current: EndpointsObject | undefined;
  try {
    current = await api.get(namespace, name);
  } catch (err) {
    if (!isReason(err, 'NotFound')) throw err;
  }
  if (!current) {
    const fresh = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, subsets };
    await api.create(namespace, fresh as EndpointsObject);
    return;
  }
  const same = deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata.labels ?? {}, labels);
  if (same) return;
  const next = cloneJSON(current) as KObject;
  next.subsets = subsets;
  next.metadata.labels = labels;
  await api.update(namespace, next as EndpointsObject);
}

/** The Endpoints controller. */
export const endpointsController: Controller = {
  name: 'endpoints',
  async run(ctx: ControllerContext): Promise<void> {
    const w = await watchServices(ctx);
    await runWorkers(w.queue, 2, (key) => reconcile(ctx, w, key));
  },
};
