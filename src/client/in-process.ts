/**
 * The in-process client: controllers and the scheduler inside the server call the stores and
 * watch caches directly, with the same write rules as HTTP requests (ResourceStore) but without
 * TLS, JSON encoding or field validation. Watches are cache subscriptions.
 */

import { cloneJSON } from '../api/clone.js';
import { errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { checkFieldSelector, listResource, makeMatcher } from '../apiserver/list.js';
import { patchObject } from '../apiserver/patching.js';
import type { ResourceStore } from '../apiserver/resource-store.js';
import { parseFieldSelector, parseLabelSelector } from '../apiserver/selectors.js';
import {
  namespacePrefix,
  type ServedResource,
  toStorageVersion,
  viewOf,
} from '../apiserver/served-resource.js';
import { filteredEventType } from '../apiserver/watch-cache.js';
import type { Store } from '../storage/store.js';
import type {
  Client,
  DeleteOptions,
  ListOptions,
  ListResult,
  PatchType,
  ResourceClient,
  WatchCallbacks,
  WatchHandle,
} from './types.js';

export interface InProcessDeps {
  store: Store;
  lookup(group: string, resource: string, version?: string): ServedResource | undefined;
  storeFor(served: ServedResource): ResourceStore;
}

class InProcessResource<T extends KObject> implements ResourceClient<T> {
  private readonly rs: ResourceStore;

  constructor(
    private readonly deps: InProcessDeps,
    private readonly served: ServedResource,
  ) {
    this.rs = deps.storeFor(served.view?.storage ?? served);
  }

  async get(namespace: string, name: string): Promise<T> {
    const cached =
      this.served.cache.get(this.rs.key(namespace, name)) ?? (await this.rs.getLatest(namespace, name));
    return cloneJSON(viewOf(this.served, cached).obj) as T;
  }

  private matcher(options: ListOptions = {}) {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector);
    checkFieldSelector(this.served, fields);
    return { labels, fields };
  }

  async list(namespace: string, options: ListOptions = {}): Promise<ListResult<T>> {
    const { labels, fields } = this.matcher(options);
    const page = await listResource(this.deps.store, this.served, { namespace, labels, fields });
    return {
      items: page.items.map((i) => viewOf(this.served, i).obj as T),
      resourceVersion: String(page.revision),
    };
  }

  watch(
    namespace: string,
    resourceVersion: string,
    options: ListOptions,
    callbacks: WatchCallbacks<T>,
  ): WatchHandle {
    const match = makeMatcher(this.served, this.matcher(options));
    const prefix = namespacePrefix(this.served, namespace);
    const after =
      resourceVersion && resourceVersion !== '0' ? Number(resourceVersion) : this.served.cache.revision;
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
    };
    try {
      unsubscribe = this.served.cache.watch(after, {
        push: (event) => {
          if (stopped || !event.object.key.startsWith(prefix)) return;
          const type = filteredEventType(event, match);
          if (type) callbacks.onEvent({ type, object: viewOf(this.served, event.object).obj as T });
        },
        fail: (err) => {
          stop();
          callbacks.onClose(err);
        },
      });
    } catch (err) {
      // Too old a resourceVersion: report asynchronously, as a real watch would.
      queueMicrotask(() => callbacks.onClose(err as Error));
      stopped = true;
    }
    return { stop };
  }

  async create(namespace: string, obj: T): Promise<T> {
    const created = await this.rs.create(namespace, toStorageVersion(this.served, cloneJSON(obj)));
    return cloneJSON(viewOf(this.served, created).obj) as T;
  }

  private async replace(namespace: string, obj: T, subresource?: string): Promise<T> {
    const desired = toStorageVersion(this.served, cloneJSON(obj)) as KObject;
    const updated = await this.rs.update(namespace, obj.metadata.name!, () => cloneJSON(desired), {
      subresource,
    });
    return cloneJSON(viewOf(this.served, updated).obj) as T;
  }

  update(namespace: string, obj: T): Promise<T> {
    return this.replace(namespace, obj);
  }

  updateStatus(namespace: string, obj: T): Promise<T> {
    if (!this.served.strategy.hasStatus) throw errors.noRoute(`${this.served.strategy.resource}/status`);
    return this.replace(namespace, obj, 'status');
  }

  async patch(
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    const updated = await this.rs.update(
      namespace,
      name,
      (current) => toStorageVersion(this.served, patchObject(this.served, current, type, patch)) as KObject,
      { subresource, patch: true },
    );
    return cloneJSON(viewOf(this.served, updated).obj) as T;
  }

  async delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<void> {
    await this.rs.delete(namespace, name, options);
  }

  async createSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
  ): Promise<void> {
    if (subresource === 'binding') {
      const target = (body as { target?: { name?: string } }).target?.name;
      if (!target) throw errors.badRequest('binding needs target.name');
      await this.rs.update(
        namespace,
        name,
        (pod) => {
          const spec = pod.spec as { nodeName?: string };
          if (spec.nodeName)
            throw errors.conflict(
              this.served.gr,
              name,
              `pod ${name} is already assigned to node "${spec.nodeName}"`,
            );
          if (pod.metadata.deletionTimestamp)
            throw errors.conflict(this.served.gr, name, 'pod is being deleted, cannot be assigned to a host');
          spec.nodeName = target;
          return pod;
        },
        { subresource: 'binding', patch: true },
      );
      return;
    }
    throw errors.noRoute(`${this.served.strategy.resource}/${subresource} (in-process)`);
  }
}

/** A Client over the server's own stores and caches. */
export function inProcessClient(deps: InProcessDeps): Client {
  const clients = new Map<string, ResourceClient>();
  return {
    resource<T extends KObject>(group: string, version: string, resource: string): ResourceClient<T> {
      const key = `${group}/${version}/${resource}`;
      let client = clients.get(key);
      if (!client) {
        const served = deps.lookup(group, resource, version);
        if (!served) throw errors.noRoute(key);
        client = new InProcessResource(deps, served);
        clients.set(key, client);
      }
      return client as ResourceClient<T>;
    },
  };
}
