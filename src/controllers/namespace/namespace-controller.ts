/**
 * Namespace lifecycle: a namespace marked for deletion is Terminating until everything in it is
 * gone; then its "kubernetes" finalizer is removed and the namespace itself goes. Level-based:
 * reconcile(name) reads the namespace and its contents each time and never trusts the event.
 * Runs in-process against the server's caches and stores (the client machinery for out-of-process
 * controllers comes with the controller manager).
 */
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { ResourceStore } from '../../apiserver/resource-store.js';
import type { ServedResource } from '../../apiserver/served-resource.js';

export interface NamespaceControllerDeps {
  resources: ServedResource[];
  lookup(group: string, resource: string): ServedResource | undefined;
  storeFor(served: ServedResource): ResourceStore;
  /** Delay before re-checking a namespace whose contents are still going away. */
  retryMs?: number;
}

export const namespaceFinalizer = 'kubernetes';

export class NamespaceController {
  private readonly queue = new Set<string>();
  private running = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: NamespaceControllerDeps) {}

  start(): void {
    const namespaces = this.deps.lookup('', 'namespaces');
    if (!namespaces) return;
    for (const item of namespaces.cache.list())
      if (item.obj.metadata.deletionTimestamp) this.enqueue(item.obj.metadata.name!);
    this.unsubscribe = namespaces.cache.watch(namespaces.cache.revision, {
      push: (event) => {
        if (event.type !== 'DELETED' && event.object.obj.metadata.deletionTimestamp)
          this.enqueue(event.object.obj.metadata.name!);
      },
      fail: () => {
        // The cache restarted; re-subscribe from its new state.
        this.unsubscribe = undefined;
        if (!this.stopped) setTimeout(() => this.start(), 1000).unref();
      },
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
  }

  private enqueue(name: string): void {
    this.queue.add(name);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.size > 0 && !this.stopped) {
      const [name] = this.queue;
      this.queue.delete(name);
      try {
        const done = await this.reconcile(name);
        if (!done) this.later(name);
      } catch {
        this.later(name);
      }
    }
    this.running = false;
  }

  private later(name: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(name);
    }, this.deps.retryMs ?? 1000);
    timer.unref();
    this.timers.add(timer);
  }

  /** Returns true when nothing is left to do for this namespace. */
  async reconcile(name: string): Promise<boolean> {
    const namespaces = this.deps.lookup('', 'namespaces');
    if (!namespaces) return true;
    const ns = namespaces.cache.get(`${namespaces.prefix}${name}`)?.obj;
    if (!ns?.metadata.deletionTimestamp) return true;
    const remaining = await this.deleteContents(name);
    if (remaining > 0) return false;
    await this.removeFinalizer(namespaces, name);
    return true;
  }

  /** Deletes every namespaced object in the namespace; returns how many still exist. */
  private async deleteContents(namespace: string): Promise<number> {
    let remaining = 0;
    const seen = new Set<string>();
    for (const served of this.deps.resources) {
      // Versions of one resource share a prefix: visit each stored resource once.
      if (!served.strategy.namespaced || seen.has(served.prefix)) continue;
      seen.add(served.prefix);
      const items = served.cache.listPrefix(`${served.prefix}${namespace}/`);
      remaining += items.length;
      const rs = this.deps.storeFor(served);
      for (const item of items) {
        if (item.obj.metadata.deletionTimestamp) continue;
        await rs.delete(namespace, item.obj.metadata.name!).catch((err) => {
          if (!isReason(err, 'NotFound')) throw err;
        });
      }
    }
    return remaining;
  }

  private async removeFinalizer(namespaces: ServedResource, name: string): Promise<void> {
    await this.deps
      .storeFor(namespaces)
      .update(
        '',
        name,
        (ns: KObject) => {
          const spec = (ns.spec ?? {}) as { finalizers?: string[] };
          spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== namespaceFinalizer);
          ns.spec = spec;
          return ns;
        },
        { subresource: 'finalize', patch: true },
      )
      .catch((err) => {
        if (!isReason(err, 'NotFound')) throw err;
      });
  }
}
