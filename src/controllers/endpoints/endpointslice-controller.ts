/**
 * The EndpointSlice controller: for every Service with a selector, IPv4 EndpointSlices labelled
 * with the service name and this controller as manager, owned by the Service (so the garbage
 * collector removes them with it), at most 100 endpoints each. Current slices are listed from
 * the API on each reconcile, so a slice just written is never missed and duplicated.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { splitKey } from '../../client/types.js';
import { runWorkers } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';
import { endpointsLabels } from './endpoints-controller.js';
import { serviceSelector } from './pods.js';
import { type ServiceObject, watchServices } from './service-watch.js';
import {
  controllerName,
  desiredGroups,
  managedByLabel,
  planSlices,
  type SliceContent,
  serviceNameLabel,
} from './slices.js';

type SliceObject = EndpointSlice & KObject;

function sliceMeta(svc: ServiceObject) {
  return {
    labels: {
      ...endpointsLabels(svc),
      [serviceNameLabel]: svc.metadata.name!,
      [managedByLabel]: controllerName,
    },
    ownerReferences: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: svc.metadata.name!,
        uid: svc.metadata.uid!,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

function sliceBody(svc: ServiceObject, content: SliceContent, base?: SliceObject): SliceObject {
  const meta = sliceMeta(svc);
  const obj = (
    base
      ? cloneJSON(base)
      : {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace },
          addressType: 'IPv4',
        }
  ) as KObject;
  obj.metadata.labels = meta.labels;
  obj.metadata.ownerReferences = meta.ownerReferences;
  obj.ports = content.ports;
  obj.endpoints = content.endpoints;
  return obj as SliceObject;
}

function metaDiffers(slice: SliceObject, svc: ServiceObject): boolean {
  const want = sliceMeta(svc);
  return (
    !deepEqual(slice.metadata.labels ?? {}, want.labels) ||
    !deepEqual(slice.metadata.ownerReferences ?? [], want.ownerReferences)
  );
}

/** The EndpointSlice controller. */
export const endpointSliceController: Controller = {
  name: 'endpointslice',
  async run(ctx: ControllerContext): Promise<void> {
    const w = await watchServices(ctx);
    const api = ctx.client.resource<SliceObject>('discovery.k8s.io', 'v1', 'endpointslices');
    await runWorkers(w.queue, 2, async (key) => {
      const [namespace, name] = splitKey(key);
      const svc = w.services.get(key);
      // A deleted service's slices are the garbage collector's (they are owned by the service).
      if (!svc || !serviceSelector(svc)) return;
      const selector = `${serviceNameLabel}=${name},${managedByLabel}=${controllerName}`;
      const existing = (await api.list(namespace, { labelSelector: selector })).items;
      const plan = planSlices(existing, desiredGroups(svc, w.selectedPods(svc)));
      const updated = new Set(plan.update.map((u) => u.name));
      for (const u of plan.update) {
        const base = existing.find((s) => s.metadata.name === u.name)!;
        await api.update(namespace, sliceBody(svc, u.content, base));
      }
      for (const s of existing) {
        const name = s.metadata.name!;
        if (updated.has(name) || plan.delete.includes(name) || !metaDiffers(s, svc)) continue;
        await api.update(
          namespace,
          sliceBody(svc, { ports: s.ports ?? [], endpoints: s.endpoints ?? [] }, s),
        );
      }
      for (const c of plan.create) await api.create(namespace, sliceBody(svc, c));
      for (const d of plan.delete) {
        await api.delete(namespace, d).catch((err) => {
          if (!isReason(err, 'NotFound')) throw err;
        });
      }
    });
  },
};
