/** Applies a PATCH body to a resource's current object, with the kind's merge metadata. */
import type { KObject } from '../api/object.js';
import { patchMetaFor } from '../api/schema/patch-meta-from-schema.js';
import { applyPatch, type PatchType } from './patch/index.js';
import type { ServedResource } from './served-resource.js';

export function patchObject(
  served: ServedResource,
  current: KObject,
  patchType: PatchType,
  body: unknown,
): unknown {
  const { group, version, kind } = served.strategy;
  const meta = patchType === 'strategic' ? patchMetaFor(group, version, kind) : undefined;
  return applyPatch(current, patchType, body, meta);
}

/** Patches an object of another kind (the autoscaling/v1 Scale of the scale subresource). */
export function patchAs(
  group: string,
  version: string,
  kind: string,
  current: unknown,
  patchType: PatchType,
  body: unknown,
): unknown {
  const meta = patchType === 'strategic' ? patchMetaFor(group, version, kind) : undefined;
  return applyPatch(current, patchType, body, meta);
}
