/**
 * ControllerRevisions: the template history DaemonSets and StatefulSets keep (pkg/controller/
 * history). Each distinct template is one revision named "<owner>-<hash>", numbered in the order
 * it became current; rolling back to an old template renumbers its revision instead of making a
 * new one. A hash collision (same name, different data) bumps the owner's collisionCount.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { deepEqual } from '../../registry/common/meta.js';
import { controllerRef, ignoreReason } from './kit.js';

/** The pod label naming a pod's revision (DaemonSet: the hash; StatefulSet: the revision name). */
export const REVISION_LABEL = 'controller-revision-hash';
/** The label history.NewControllerRevision puts on every revision. */
export const HASH_LABEL = 'controller.kubernetes.io/hash';

export type Revision = ControllerRevision & KObject;

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** FNV-1a 32 of the data and collision count, spelled with rand.SafeEncodeString's alphabet. */
export function revisionHash(data: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = stableJson(data) + (collisionCount > 0 ? String(collisionCount) : '');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let out = '';
  for (const ch of String(h)) out += ALPHABET[ch.charCodeAt(0) % ALPHABET.length];
  return out;
}

/** The revision data for a template: a strategic-merge patch that replaces the whole template. */
export function templatePatch(template: PodTemplateSpec | undefined): unknown {
  return { spec: { template: { ...cloneJSON(template ?? {}), $patch: 'replace' } } };
}

/** Revisions sorted by number, then name. */
export function sortRevisions(revisions: Revision[]): Revision[] {
  return [...revisions].sort(
    (a, b) =>
      (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

export interface RevisionResult {
  /** The revision of the current template. */
  revision: Revision;
  /** Its hash (the revision name's suffix). */
  hash: string;
  /** The owner's collision count after any bump. */
  collisionCount: number;
  /** Every owned revision, the current one included, sorted. */
  all: Revision[];
}

/**
 * Finds or creates the revision for `template` among `owned` (the owner's revisions): an equal
 * revision that is not the newest is renumbered to newest (a rollback).
 */
export async function ensureRevision(
  client: ResourceClient<Revision>,
  owner: KObject,
  template: PodTemplateSpec | undefined,
  owned: Revision[],
  collisionCount: number,
): Promise<RevisionResult> {
  const namespace = owner.metadata.namespace ?? '';
  const data = templatePatch(template);
  const sorted = sortRevisions(owned);
  const maxRevision = sorted.at(-1)?.revision ?? 0;
  const equal = sorted.filter((r) => deepEqual(r.data, data));
  let count = collisionCount;
  if (equal.length > 0) {
    let rev = equal.at(-1) as Revision;
    if (rev.revision !== maxRevision) {
      const next = cloneJSON(rev);
      next.revision = maxRevision + 1;
      rev = (await client.update(namespace, next)) as Revision;
    }
    const all = sortRevisions(sorted.map((r) => (r.metadata.name === rev.metadata.name ? rev : r)));
    return {
      revision: rev,
      hash: rev.metadata.labels?.[HASH_LABEL] ?? revisionHash(data, count),
      collisionCount: count,
      all,
    };
  }
  for (;;) {
    const hash = revisionHash(data, count);
    const name = `${owner.metadata.name}-${hash}`;
    const labels = { ...(template?.metadata?.labels ?? {}), [REVISION_LABEL]: hash, [HASH_LABEL]: hash };
    const created = await client
      .create(namespace, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name, namespace, labels, ownerReferences: [controllerRef(owner)] },
        data,
        revision: maxRevision + 1,
      } as Revision)
      .catch(ignoreReason('AlreadyExists'));
    if (created)
      return { revision: created, hash, collisionCount: count, all: sortRevisions([...sorted, created]) };
    const existing = await client.get(namespace, name);
    if (
      deepEqual(existing.data, data) &&
      existing.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)
    ) {
      return { revision: existing, hash, collisionCount: count, all: sortRevisions([...sorted, existing]) };
    }
    count++;
  }
}

/**
 * Deletes the oldest revisions beyond `limit`, never one that live pods still use (`inUse` holds
 * their names) nor the current one.
 */
export async function truncateHistory(
  client: ResourceClient<Revision>,
  all: Revision[],
  current: Revision,
  inUse: Set<string>,
  limit: number,
): Promise<void> {
  const old = all.filter(
    (r) => r.metadata.name !== current.metadata.name && !inUse.has(r.metadata.name ?? ''),
  );
  const excess = old.length - limit;
  for (const r of old.slice(0, Math.max(0, excess))) {
    await client.delete(r.metadata.namespace ?? '', r.metadata.name ?? '').catch(ignoreReason('NotFound'));
  }
}
