/**
 * The Store on etcd v3 (through the etcd3 client), for HA: several skiff servers share one etcd
 * and see each other's writes and watches, because etcd is the single source of revisions.
 *
 * Every conditional write is one etcd transaction comparing the key's create or mod revision, so
 * optimistic concurrency holds across processes. Keys live under a prefix (default "/skiff") so
 * several clusters can share an etcd. Compaction is etcd-wide, so its revision is recorded in one
 * key outside every prefix (as kube-apiserver's compact_rev_key) for compactedRevision().
 */
import { createRequire } from 'node:module';
import type { Etcd3, IRequestOp, ITxnResponse } from 'etcd3';

// etcd3 pulls in gRPC and protobufjs: loaded on first use, so sqlite-only servers start faster.
const requireLazily = createRequire(import.meta.url);

import type { KV, ListOptions, ListResult, Store, Watch, WatchHandlers } from '../store.js';
import { StoreError } from '../store.js';
import { isCompacted, KeySpace, toStoreError } from './codec.js';
import { watchEtcd } from './etcd-watch.js';

/** Where the compacted revision is recorded, zero-padded so byte order is numeric order. */
const COMPACTED_KEY = Buffer.from('skiff-compacted-revision');
const pad = (rev: number) => String(rev).padStart(20, '0');

/** Options of openEtcdStore. */
export interface EtcdStoreOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]. */
  endpoints: string[];
  /** Key prefix of this cluster; default "/skiff". */
  prefix?: string;
}

/** A Store on an etcd cluster. */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly keys: KeySpace;
  private readonly watches = new Set<Watch & { fail(err: Error): void }>();

  constructor(options: EtcdStoreOptions) {
    const { Etcd3: Client } = requireLazily('etcd3') as typeof import('etcd3');
    this.client = new Client({ hosts: options.endpoints });
    this.keys = new KeySpace(options.prefix ?? '/skiff');
  }

  async get(key: string): Promise<KV | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: this.keys.encode(key) }));
    return res.kvs.length > 0 ? this.keys.toKV(res.kvs[0]) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const after = options.startAfter !== undefined && options.startAfter >= prefix;
    const res = await this.call(() =>
      this.client.kv.range({
        // The smallest key above startAfter is startAfter followed by a zero byte.
        key: after ? this.keys.encode(`${options.startAfter}\0`) : this.keys.encode(prefix),
        range_end: this.keys.rangeEnd(prefix),
        limit: options.limit && options.limit > 0 ? options.limit : 0,
        revision: options.revision ?? 0,
      }),
    );
    return {
      items: res.kvs.map((kv) => this.keys.toKV(kv)),
      revision: options.revision || Number(res.header.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.call(() =>
      this.client.kv.range({
        key: this.keys.encode(prefix),
        range_end: this.keys.rangeEnd(prefix),
        count_only: true,
      }),
    );
    return Number(res.count);
  }

  async create(key: string, value: string): Promise<KV> {
    const k = this.keys.encode(key);
    const res = await this.txn(
      [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      [{ request_put: { key: k, value: Buffer.from(value) } }],
      k,
    );
    if (!res.succeeded) {
      throw new StoreError('AlreadyExists', `key ${key} already exists`, this.failedCurrent(res));
    }
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KV> {
    const k = this.keys.encode(key);
    const res = await this.txn(
      [this.precondition(k, expectedRevision)],
      [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      k,
    );
    if (!res.succeeded) throw this.preconditionFailure(key, expectedRevision, res);
    const prev = res.responses[0].response_put.prev_kv;
    const rev = Number(res.header.revision);
    return { key, value, createRevision: Number(prev.create_revision), modRevision: rev };
  }

  async delete(key: string, expectedRevision = 0): Promise<KV> {
    const k = this.keys.encode(key);
    const res = await this.txn(
      [this.precondition(k, expectedRevision)],
      [{ request_delete_range: { key: k, prev_kv: true } }],
      k,
    );
    if (!res.succeeded) throw this.preconditionFailure(key, expectedRevision, res);
    const prev = this.keys.toKV(res.responses[0].response_delete_range.prev_kvs[0]);
    return { ...prev, modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const watch = watchEtcd(this.client, this.keys, prefix, afterRevision, handlers, (w) =>
      this.watches.delete(w as Watch & { fail(err: Error): void }),
    );
    this.watches.add(watch);
    return watch;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      // Compacting at or below an earlier compaction is a no-op, as in the sqlite store.
      if (!isCompacted(err)) throw toStoreError(err);
    }
    await this.recordCompacted(revision);
  }

  async currentRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: COMPACTED_KEY, count_only: true }));
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: COMPACTED_KEY }));
    return res.kvs.length > 0 ? Number(res.kvs[0].value.toString()) : 0;
  }

  async close(): Promise<void> {
    for (const watch of [...this.watches]) watch.fail(new StoreError('Unavailable', 'store closed'));
    this.client.close();
  }

  /** Raises the recorded compacted revision, never lowering it when servers race. */
  private async recordCompacted(revision: number): Promise<void> {
    for (;;) {
      const res = await this.call(() => this.client.kv.range({ key: COMPACTED_KEY }));
      const current = res.kvs[0];
      if (current && Number(current.value.toString()) >= revision) return;
      const txn = await this.call(() =>
        this.client.kv.txn({
          compare: [
            current
              ? { key: COMPACTED_KEY, target: 'Mod', result: 'Equal', mod_revision: current.mod_revision }
              : { key: COMPACTED_KEY, target: 'Create', result: 'Equal', create_revision: 0 },
          ],
          success: [{ request_put: { key: COMPACTED_KEY, value: Buffer.from(pad(revision)) } }],
        }),
      );
      if (txn.succeeded) return;
    }
  }

  /** Unconditional writes still require the key to exist (create revision > 0). */
  private precondition(key: Buffer, expectedRevision: number) {
    return expectedRevision
      ? { key, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision }
      : { key, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 };
  }

  private preconditionFailure(key: string, expectedRevision: number, res: ITxnResponse): StoreError {
    const current = this.failedCurrent(res);
    if (!current) return new StoreError('NotFound', `key ${key} not found`);
    return new StoreError(
      'Conflict',
      `key ${key} is at revision ${current.modRevision}, not ${expectedRevision}`,
      current,
    );
  }

  /** The key as the failure branch read it, in the same transaction as the failed compare. */
  private failedCurrent(res: ITxnResponse): KV | undefined {
    const kvs = res.responses[0]?.response_range?.kvs ?? [];
    return kvs.length > 0 ? this.keys.toKV(kvs[0]) : undefined;
  }

  private txn(compare: Parameters<Etcd3['kv']['txn']>[0]['compare'], success: IRequestOp[], key: Buffer) {
    return this.call(() => this.client.kv.txn({ compare, success, failure: [{ request_range: { key } }] }));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err);
    }
  }
}

/** Opens a Store on etcd; the connection is made lazily on the first call. */
export function openEtcdStore(options: EtcdStoreOptions): EtcdStore {
  return new EtcdStore(options);
}
