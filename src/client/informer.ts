/**
 * Informers: a local, always-current copy of one resource (list, then watch), with handlers
 * for adds, updates and deletes. A watch that ends is resumed from the last seen
 * resourceVersion; a 410 Expired re-lists and reports the differences as events, so handlers
 * see every object's latest state even across gaps.
 */
import { ApiError } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import {
  type Clock,
  keyOf,
  type ListOptions,
  type ResourceClient,
  realClock,
  type WatchHandle,
} from './types.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export class Informer<T extends KObject = KObject> {
  private readonly items = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private watch: WatchHandle | undefined;
  private resourceVersion = '';
  private stopped = false;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private cancelRetry: (() => void) | undefined;

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly namespace = '',
    private readonly options: ListOptions = {},
    private readonly clock: Clock = realClock,
  ) {}

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    // Late subscribers see the current state as adds, as with client-go's shared informers.
    if (this.synced) for (const obj of this.items.values()) handlers.onAdd?.(obj);
  }

  async start(): Promise<void> {
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.cancelRetry?.();
  }

  /** Resolves once the first list has been applied. */
  hasSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const result = await this.client.list(this.namespace, this.options);
      const seen = new Set<string>();
      for (const obj of result.items) {
        const key = keyOf(obj);
        seen.add(key);
        this.apply('put', key, obj);
      }
      for (const [key, old] of [...this.items]) if (!seen.has(key)) this.apply('delete', key, old);
      this.resourceVersion = result.resourceVersion;
      if (!this.synced) {
        this.synced = true;
        for (const w of this.syncWaiters) w();
        this.syncWaiters = [];
      }
      this.startWatch();
    } catch {
      this.retry(() => this.relist());
    }
  }

  private retry(fn: () => void): void {
    if (this.stopped) return;
    this.cancelRetry = this.clock.after(1000, fn);
  }

  private startWatch(): void {
    if (this.stopped) return;
    this.watch = this.client.watch(this.namespace, this.resourceVersion, this.options, {
      onEvent: (event) => {
        const key = keyOf(event.object);
        this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
        this.apply(event.type === 'DELETED' ? 'delete' : 'put', key, event.object);
      },
      onClose: (err) => {
        if (this.stopped) return;
        if (err instanceof ApiError && err.code === 410) this.retry(() => this.relist());
        else this.retry(() => this.startWatch());
      },
    });
  }

  private apply(op: 'put' | 'delete', key: string, obj: T): void {
    const old = this.items.get(key);
    if (op === 'delete') {
      if (!old) return;
      this.items.delete(key);
      for (const h of this.handlers) h.onDelete?.(obj);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.items.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }
}

/** One shared informer per resource (and namespace and selector), so controllers share watches. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KObject>>();

  constructor(
    private readonly client: {
      resource<T extends KObject>(g: string, v: string, r: string): ResourceClient<T>;
    },
    private readonly clock: Clock = realClock,
  ) {}

  for<T extends KObject = KObject>(
    group: string,
    version: string,
    resource: string,
    namespace = '',
    options: ListOptions = {},
  ): Informer<T> {
    const key = `${group}/${version}/${resource}/${namespace}/${options.labelSelector ?? ''}/${options.fieldSelector ?? ''}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer(this.client.resource(group, version, resource), namespace, options, this.clock);
      this.informers.set(key, informer);
      void informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
    this.informers.clear();
  }
}
