/**
 * The watch cache: one store watch per resource feeds an in-memory copy of every object and a
 * ring of recent events. LIST and WATCH are served from here, so the store sees one reader per
 * resource however many clients watch. Objects keep their serialized JSON next to the parsed
 * form, so a LIST of 10,000 pods is a string join, not 10,000 JSON.stringify calls.
 */

import { cloneJSON } from '../api/clone.js';
import { errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { KV, Store, Watch, WatchEvent } from '../storage/store.js';
import { StoreError } from '../storage/store.js';

/** An object as the cache holds it: parsed, serialized, and where it lives. */
export interface CachedObject {
  key: string;
  obj: KObject;
  json: string;
  revision: number;
  /** The JSON as UTF-8, made on first LIST and reused by later ones (see bytesOf). */
  bytes?: Buffer;
}

/** An object's JSON as bytes, encoded once: LISTs then copy bytes instead of encoding strings. */
export function bytesOf(o: CachedObject): Buffer {
  o.bytes ??= Buffer.from(o.json);
  return o.bytes;
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  object: CachedObject;
  /** The object before the change (MODIFIED and DELETED). */
  prev?: CachedObject;
  revision: number;
}

/** Decodes a stored value into an object carrying its resourceVersion. */
export function decodeKV(kv: KV): CachedObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return { key: kv.key, obj, json: JSON.stringify(obj), revision: kv.modRevision };
}

/**
 * What a watcher with a filter sees of a cache event: an object moving into the filter is ADDED
 * for it, one moving out is DELETED, as Kubernetes' filtered watches report. undefined: nothing.
 */
export function filteredEventType(
  event: CacheEvent,
  match: (obj: KObject) => boolean,
): CacheEventType | undefined {
  const now = match(event.object.obj);
  const before = event.prev ? match(event.prev.obj) : false;
  if (event.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (event.type === 'DELETED') return now || before ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  return before ? 'DELETED' : undefined;
}

/** A live subscription; `push` is called synchronously for each event in order. */
export interface CacheWatcher {
  push(event: CacheEvent): void;
  /** The cache can no longer serve this watcher (store watch failed); it must end. */
  fail(err: Error): void;
}

const defaultCapacity = 100_000;

export class WatchCache {
  private readonly items = new Map<string, CachedObject>();
  private sortedKeys: string[] | undefined;
  private readonly ring: CacheEvent[] = [];
  private ringStart = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: Array<{ revision: number; resolve: () => void }> = [];
  private storeWatch: Watch | undefined;
  /** The revision the cache reflects: every change up to it has been applied. */
  revision = 0;
  /** Oldest revision from which a watch can be replayed (exclusive lower bound). */
  private oldestReplayable = 0;
  private failed: Error | undefined;
  /** Objects this server is writing, by key: their events need no parsing (see prime()). */
  private readonly primed = new Map<string, { value: string; obj: KObject }>();

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly capacity = defaultCapacity,
  ) {}

  /** Lists the prefix, then follows the store watch from that revision. */
  async start(): Promise<void> {
    const listed = await this.store.list(this.prefix);
    for (const kv of listed.items) this.items.set(kv.key, decodeKV(kv));
    this.revision = listed.revision;
    this.oldestReplayable = listed.revision;
    this.storeWatch = this.store.watch(this.prefix, listed.revision, {
      onEvents: (events) => this.apply(events),
      onError: (err) => this.onStoreError(err),
    });
  }

  stop(): void {
    this.storeWatch?.close();
    for (const w of this.watchers) w.fail(errors.unavailable('watch cache stopped'));
    this.watchers.clear();
  }

  private onStoreError(err: Error): void {
    // The store watch ended (compaction overtook us, or the store went away). Restart from a
    // fresh list; watchers that depended on continuity are told to re-list.
    this.failed = err;
    for (const w of this.watchers) w.fail(errors.gone('watch cache restarted; re-list'));
    this.watchers.clear();
    this.items.clear();
    this.sortedKeys = undefined;
    this.ring.length = 0;
    this.ringStart = 0;
    this.start()
      .then(() => {
        this.failed = undefined;
      })
      .catch(() => setTimeout(() => this.onStoreError(err), 1000));
  }

  private apply(events: WatchEvent[]): void {
    for (const ev of events) {
      let event: CacheEvent;
      const prev = this.items.get(ev.kv.key);
      if (ev.type === 'delete') {
        const last = prev ?? (ev.prevKv ? decodeKV(ev.prevKv) : decodeKV(ev.kv));
        // A DELETED event carries the last state with the deletion's resourceVersion.
        const obj = cloneJSON(last.obj);
        obj.metadata.resourceVersion = String(ev.kv.modRevision);
        const object = { key: ev.kv.key, obj, json: JSON.stringify(obj), revision: ev.kv.modRevision };
        this.items.delete(ev.kv.key);
        this.sortedKeys = undefined;
        event = { type: 'DELETED', object, prev: last, revision: ev.kv.modRevision };
      } else {
        const object = this.takePrimed(ev.kv) ?? decodeKV(ev.kv);
        if (!prev) this.sortedKeys = undefined;
        this.items.set(ev.kv.key, object);
        event = { type: prev ? 'MODIFIED' : 'ADDED', object, prev, revision: ev.kv.modRevision };
      }
      this.record(event);
      this.revision = ev.kv.modRevision;
      for (const w of this.watchers) w.push(event);
    }
    this.wakeWaiters();
  }

  /**
   * Hands the cache the object behind a value this server is about to write. When the write's
   * event arrives with exactly that value, the cache uses the object as is and splices the
   * resourceVersion into the value's JSON (the writer puts metadata last), instead of a parse
   * and a stringify per event.
   */
  prime(key: string, value: string, obj: KObject): void {
    this.primed.set(key, { value, obj });
  }

  private takePrimed(kv: KV): CachedObject | undefined {
    const primed = this.primed.get(kv.key);
    if (!primed) return undefined;
    this.primed.delete(kv.key);
    if (primed.value !== kv.value || !kv.value.endsWith('}}')) return undefined;
    const rv = String(kv.modRevision);
    primed.obj.metadata.resourceVersion = rv;
    const json = `${kv.value.slice(0, -2)},"resourceVersion":"${rv}"}}`;
    return { key: kv.key, obj: primed.obj, json, revision: kv.modRevision };
  }

  private record(event: CacheEvent): void {
    if (this.ring.length - this.ringStart >= this.capacity) {
      this.oldestReplayable = this.ring[this.ringStart].revision;
      this.ringStart++;
      // Compact the array occasionally instead of shifting on every event.
      if (this.ringStart > this.capacity) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
    this.ring.push(event);
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.revision >= w.revision) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /**
   * Waits until the cache has applied a change of its own prefix at `revision` (one this server
   * just wrote), so a client reads its own writes. Gives up quietly after timeoutMs.
   */
  async waitFor(revision: number, timeoutMs = 3000): Promise<void> {
    if (this.revision >= revision) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** False while the cache re-lists after losing its store watch. */
  get ready(): boolean {
    return this.failed === undefined;
  }

  private keys(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    return this.sortedKeys;
  }

  /** Objects in key order. */
  list(): CachedObject[] {
    return this.listPrefix(this.prefix);
  }

  /** Objects whose key starts with prefix (a namespace), in key order: a range scan. */
  listPrefix(prefix: string): CachedObject[] {
    const keys = this.keys();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: CachedObject[] = [];
    for (let i = lo; i < keys.length && keys[i].startsWith(prefix); i++) out.push(this.items.get(keys[i])!);
    return out;
  }

  get(key: string): CachedObject | undefined {
    return this.items.get(key);
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * Subscribes to changes after `afterRevision`, replaying buffered events first. Throws 410
   * Expired when the revision is older than the buffer holds.
   */
  watch(afterRevision: number, watcher: CacheWatcher): () => void {
    if (afterRevision < this.oldestReplayable) {
      throw errors.gone(`too old resource version: ${afterRevision} (${this.oldestReplayable})`);
    }
    for (let i = this.ringStart; i < this.ring.length; i++) {
      if (this.ring[i].revision > afterRevision) watcher.push(this.ring[i]);
    }
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }
}

/** True when err is the store telling us a revision is gone. */
export function isStoreGone(err: unknown): boolean {
  return err instanceof StoreError && err.code === 'Gone';
}
