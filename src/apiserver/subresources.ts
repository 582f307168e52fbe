/**
 * Subresources: `status` (the same object, writes limited to .status), `approval` (a CSR's
 * status, writes limited to its conditions), `scale` (an autoscaling/v1 Scale view of
 * replicas), and the pod-only `binding` and `eviction`.
 * Streaming subresources (log, exec, attach, portforward, proxy) belong to the node agent.
 */

import { cloneJSON } from '../api/clone.js';
import { errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { ScaleAdapter } from '../registry/types.js';
import { type Call, dryRun, readObject, readPatch, sendObject } from './call.js';
import { eviction } from './eviction.js';
import { fieldValidationMode, warningHeaders } from './field-checks.js';
import { sendJSON } from './http.js';
import { patchAs, patchObject } from './patching.js';
import { toStorageVersion } from './served-resource.js';

export async function handleSubresource(call: Call): Promise<void> {
  const { info, served } = call;
  switch (info.subresource) {
    case 'status':
      if (served.strategy.hasStatus) return status(call, 'status');
      break;
    case 'approval':
      // certificatesigningrequests/approval: a status write that may only change conditions.
      if (served.strategy.extraSubresources?.includes('approval')) return status(call, 'approval');
      break;
    case 'scale':
      if (served.strategy.scale) return scale(call, served.strategy.scale);
      break;
    case 'finalize':
      if (served.strategy.kind === 'Namespace') return finalize(call);
      break;
    case 'binding':
      if (served.strategy.kind === 'Pod') return binding(call);
      break;
    case 'eviction':
      if (served.strategy.kind === 'Pod') return eviction(call);
      break;
  }
  throw errors.noRoute(`${info.resource}/${info.subresource}`);
}

async function status(call: Call, subresource: string): Promise<void> {
  const { info } = call;
  const opts = { dryRun: dryRun(call.params), subresource };
  const patchOpts = { ...opts, patch: true };
  switch (info.verb) {
    case 'get':
      return sendObject(call, 200, await call.rs.getLatest(info.namespace, info.name));
    case 'update': {
      const { obj, warnings } = await readObject(call, fieldValidationMode(call.params));
      const updated = await call.rs.update(info.namespace, info.name, () => cloneJSON(obj as KObject), opts);
      return sendObject(call, 200, updated, warningHeaders(warnings));
    }
    case 'patch': {
      const { patchType, body } = await readPatch(call);
      const updated = await call.rs.update(
        info.namespace,
        info.name,
        (current) =>
          toStorageVersion(call.served, patchObject(call.served, current, patchType, body)) as KObject,
        patchOpts,
      );
      return sendObject(call, 200, updated);
    }
  }
  throw errors.methodNotAllowed(info.verb);
}

/** namespaces/finalize: PUT a Namespace whose spec.finalizers replace the stored ones. */
async function finalize(call: Call): Promise<void> {
  const { info } = call;
  if (info.verb !== 'update') throw errors.methodNotAllowed(info.verb);
  const { obj } = await readObject(call, 'Ignore');
  const updated = await call.rs.update(info.namespace, info.name, () => cloneJSON(obj as KObject), {
    dryRun: dryRun(call.params),
    subresource: 'finalize',
  });
  return sendObject(call, 200, updated);
}

/** The autoscaling/v1 Scale view of an object. */
function toScale(obj: KObject, adapter: ScaleAdapter): KObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: adapter.specReplicas(obj) },
    status: { replicas: adapter.statusReplicas(obj), selector: adapter.selector(obj) },
  };
}

async function scale(call: Call, adapter: ScaleAdapter): Promise<void> {
  const { info } = call;
  const respond = (obj: KObject) => sendJSON(call.res, 200, toScale(obj, adapter));
  if (info.verb === 'get') return respond((await call.rs.getLatest(info.namespace, info.name)).obj);
  let desired: (scaleNow: KObject) => KObject;
  if (info.verb === 'update') {
    const { obj } = await readObject(call, 'Ignore');
    desired = () => obj as KObject;
  } else if (info.verb === 'patch') {
    const { patchType, body } = await readPatch(call);
    desired = (scaleNow) => patchAs('autoscaling', 'v1', 'Scale', scaleNow, patchType, body) as KObject;
  } else {
    throw errors.methodNotAllowed(info.verb);
  }
  const updated = await call.rs.update(
    info.namespace,
    info.name,
    (current) => {
      const next = desired(toScale(current, adapter));
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid('Scale', 'autoscaling', info.name, [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.replicas',
            message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          },
        ]);
      }
      const pinned = next.metadata?.resourceVersion;
      if (pinned) current.metadata.resourceVersion = pinned;
      adapter.setSpecReplicas(current, replicas);
      return current;
    },
    { dryRun: dryRun(call.params), patch: info.verb === 'patch' },
  );
  respond(updated.obj);
}

/** pods/binding: the scheduler's way to set spec.nodeName, once. */
async function binding(call: Call): Promise<void> {
  const { info } = call;
  if (info.verb !== 'create') throw errors.methodNotAllowed(info.verb);
  const { obj } = await readObject(call, 'Ignore');
  const target = (obj as { target?: { name?: string; kind?: string } }).target;
  if (!target?.name) {
    throw errors.invalid('Binding', '', info.name, [
      { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
    ]);
  }
  await call.rs.update(
    info.namespace,
    info.name,
    (pod) => {
      const spec = pod.spec as { nodeName?: string };
      if (pod.metadata.deletionTimestamp) {
        throw errors.conflict(
          call.served.gr,
          info.name,
          'pod is being deleted, cannot be assigned to a host',
        );
      }
      if (spec.nodeName) {
        throw errors.conflict(
          call.served.gr,
          info.name,
          `pod ${info.name} is already assigned to node "${spec.nodeName}"`,
        );
      }
      spec.nodeName = target.name;
      return pod;
    },
    { dryRun: dryRun(call.params), subresource: 'binding', patch: true },
  );
  sendJSON(call.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
