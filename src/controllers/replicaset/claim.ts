/**
 * Adoption and orphaning (ControllerRefManager): an owner claims the objects its selector
 * matches. Objects it controls that no longer match are released; orphans that match are
 * adopted by adding a controller ownerReference. Objects controlled by someone else, or being
 * deleted, are left alone, and an owner being deleted neither adopts nor releases.
 * The ReplicaSet controller claims pods; the Deployment controller claims ReplicaSets.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import { controllerRef, ownerRefTo } from './pods.js';

/** What the owner should do with each candidate. */
export interface ClaimPlan<T extends KObject> {
  owned: T[];
  adopt: T[];
  release: T[];
}

/** Pure classification of candidates (all in the owner's namespace). */
export function planClaims<T extends KObject>(
  owner: KObject,
  selector: LabelSelector | undefined,
  candidates: T[],
): ClaimPlan<T> {
  const plan: ClaimPlan<T> = { owned: [], adopt: [], release: [] };
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    const matches = labelSelectorMatches(selector, obj.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) plan.owned.push(obj);
      else if (!ownerDeleting && !obj.metadata.deletionTimestamp) plan.release.push(obj);
      continue;
    }
    if (matches && !ownerDeleting && !obj.metadata.deletionTimestamp) plan.adopt.push(obj);
  }
  return plan;
}

/** Where the owner's kind lives, for the ownerReference it writes. */
export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

/**
 * Applies a plan: adopts and releases with optimistic updates (a Conflict fails the call, so
 * the reconcile retries on fresh state). Returns the objects the owner now controls.
 */
export async function applyClaims<T extends KObject>(
  client: ResourceClient<T>,
  owner: KObject,
  kind: OwnerKind,
  plan: ClaimPlan<T>,
): Promise<T[]> {
  const owned = [...plan.owned];
  const uid = owner.metadata.uid;
  await Promise.all([
    ...plan.adopt.map(async (obj) => {
      const next = cloneJSON(obj);
      next.metadata.ownerReferences = [
        ...(next.metadata.ownerReferences ?? []),
        ownerRefTo(owner, kind.apiVersion, kind.kind),
      ];
      const adopted = await ignoreNotFound(client.update(next.metadata.namespace ?? '', next));
      if (adopted) owned.push(adopted);
    }),
    ...plan.release.map(async (obj) => {
      const next = cloneJSON(obj);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await ignoreNotFound(client.update(next.metadata.namespace ?? '', next));
    }),
  ]);
  return owned;
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isReason(err, 'NotFound')) return undefined;
    throw err;
  }
}
