/**
 * A resource as this server serves it: its strategy (from the registry), where its objects live
 * in the store, and its watch cache. Built once at start for every registry entry.
 */
import type { GroupResource } from '../api/errors.js';
import { apiVersionOf } from '../api/object.js';
import type { ResourceStrategy } from '../registry/types.js';
import type { WatchCache } from './watch-cache.js';

export interface ServedResource {
  strategy: ResourceStrategy;
  gr: GroupResource;
  /** e.g. "apps/v1". */
  apiVersion: string;
  /** Store key prefix ending in "/": "/registry/apps/deployments/". */
  prefix: string;
  cache: WatchCache;
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
