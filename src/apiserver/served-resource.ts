/**
 * A resource as this server serves it: its strategy (from the registry), where its objects live
 * in the store, and its watch cache. Built once at start for every registry entry.
 */

import { cloneJSON } from '../api/clone.js';
import type { GroupResource } from '../api/errors.js';
import { apiVersionOf, type KObject } from '../api/object.js';
import type { VersionConversion } from '../registry/conversions.js';
import type { ResourceStrategy } from '../registry/types.js';
import type { CachedObject, WatchCache } from './watch-cache.js';

export interface ServedResource {
  strategy: ResourceStrategy;
  gr: GroupResource;
  /** e.g. "apps/v1". */
  apiVersion: string;
  /** Store key prefix ending in "/": "/registry/apps/deployments/". */
  prefix: string;
  cache: WatchCache;
  /**
   * Set when this version is served as a view of another stored version: requests are
   * converted to the storage version and responses back.
   */
  view?: { storage: ServedResource; conversion: VersionConversion };
}

/** Store key prefix of a resource; versions of one resource share it. */
export function storagePrefix(strategy: ResourceStrategy): string {
  return `/registry/${strategy.group || 'core'}/${strategy.resource}/`;
}

/** The key of one object. */
export function objectKey(res: ServedResource, namespace: string, name: string): string {
  return res.strategy.namespaced ? `${res.prefix}${namespace}/${name}` : `${res.prefix}${name}`;
}

/** The key prefix of one namespace's objects (or all objects when namespace is empty). */
export function namespacePrefix(res: ServedResource, namespace: string): string {
  return res.strategy.namespaced && namespace ? `${res.prefix}${namespace}/` : res.prefix;
}

export function describeResource(strategy: ResourceStrategy): Pick<ServedResource, 'gr' | 'apiVersion'> {
  return {
    gr: { group: strategy.group, resource: strategy.resource },
    apiVersion: apiVersionOf(strategy.group, strategy.version),
  };
}

const viewCache = new WeakMap<CachedObject, CachedObject>();

/** A stored object as this served version shows it (memoized per stored object). */
export function viewOf(res: ServedResource, stored: CachedObject): CachedObject {
  if (!res.view) return stored;
  let shown = viewCache.get(stored);
  if (!shown) {
    const obj = res.view.conversion.fromStorage(cloneJSON(stored.obj));
    shown = { ...stored, obj, json: JSON.stringify(obj) };
    viewCache.set(stored, shown);
  }
  return shown;
}

/** A request object of this served version converted to the stored version. */
export function toStorageVersion(res: ServedResource, obj: unknown): unknown {
  if (!res.view || obj === null || typeof obj !== 'object') return obj;
  return res.view.conversion.toStorage(obj as KObject);
}
