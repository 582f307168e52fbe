/**
 * The client interface every controller, the scheduler and the agent use: one ResourceClient per
 * group/version/resource, with Kubernetes' verbs. Two implementations: in-process (inside the
 * server, straight to the stores and watch caches) and HTTP (agents on other processes/machines).
 * Failures are ApiErrors with Kubernetes reasons (NotFound, Conflict, AlreadyExists, ...).
 */
import type { KObject } from '../api/object.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<T> {
  type: EventType;
  object: T;
}

export interface WatchHandle {
  stop(): void;
}

export interface WatchCallbacks<T> {
  onEvent(event: WatchEvent<T>): void;
  /** The watch ended; err is an ApiError 410 Expired when the caller must re-list. */
  onClose(err?: Error): void;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'json' | 'merge' | 'strategic';

/**
 * Verbs on one resource. `namespace` is '' for cluster-scoped resources (and for list/watch
 * across all namespaces). Objects returned by list and watch may be shared with a cache: treat
 * them as read-only and copy before changing.
 */
export interface ResourceClient<T extends KObject = KObject> {
  get(namespace: string, name: string): Promise<T>;
  list(namespace: string, options?: ListOptions): Promise<ListResult<T>>;
  watch(
    namespace: string,
    resourceVersion: string,
    options: ListOptions,
    callbacks: WatchCallbacks<T>,
  ): WatchHandle;
  create(namespace: string, obj: T): Promise<T>;
  update(namespace: string, obj: T): Promise<T>;
  updateStatus(namespace: string, obj: T): Promise<T>;
  patch(namespace: string, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<T>;
  delete(namespace: string, name: string, options?: DeleteOptions): Promise<void>;
  /** POST to a subresource such as pods/binding or pods/eviction. */
  createSubresource(namespace: string, name: string, subresource: string, body: unknown): Promise<void>;
}

export interface Client {
  resource<T extends KObject = KObject>(group: string, version: string, resource: string): ResourceClient<T>;
}

/** Injected time, so leases, backoff and schedules are testable without sleeping. */
export interface Clock {
  now(): Date;
  /** Runs fn after ms; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => new Date(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/** "namespace/name" or "name": the key controllers queue. */
export function keyOf(obj: KObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name!;
}

/** Splits a key back into namespace and name. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
