/**
 * Translation between the Store's view (string keys without the cluster prefix, numeric revisions,
 * StoreError) and etcd's wire types (byte keys under the prefix, revisions as decimal strings,
 * gRPC errors).
 */
import type { IKeyValue } from 'etcd3';
import { type KV, StoreError } from '../store.js';

/** Where one cluster's keys live in a shared etcd. */
export class KeySpace {
  constructor(readonly prefix: string) {}

  encode(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  decode(key: Buffer): string {
    return key.toString().slice(this.prefix.length);
  }

  /** etcd's range_end for "every key starting with prefix": the prefix with its last byte + 1. */
  rangeEnd(prefix: string): Buffer {
    const bytes = Buffer.from(this.prefix + prefix);
    for (let i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] < 0xff) {
        const end = Buffer.from(bytes.subarray(0, i + 1));
        end[i]++;
        return end;
      }
    }
    return Buffer.from([0]); // etcd's "to the end of the keyspace"
  }

  toKV(kv: IKeyValue): KV {
    return {
      key: this.decode(kv.key),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

/** True when etcd refused because the revision asked for was compacted away. */
export function isCompacted(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED);
}

/** True when etcd refused a revision it has not reached yet. */
export function isFuture(err: unknown): boolean {
  return err instanceof Error && err.message.includes(FUTURE);
}

/** Maps an etcd client failure to the StoreError callers handle; other errors pass through. */
export function toStoreError(err: unknown): Error {
  if (err instanceof StoreError) return err;
  if (isCompacted(err)) return new StoreError('Gone', `etcd: ${COMPACTED}`);
  if (isFuture(err)) return new RangeError(`etcd: ${FUTURE}`);
  if (err instanceof Error) {
    const name = err.constructor.name;
    if (
      /Unavailable|DeadlineExceeded|Cancelled|ClientClosed|WatchStreamEnded/.test(name) ||
      /ECONNREFUSED|No connection established|connect/i.test(err.message)
    ) {
      return new StoreError('Unavailable', `etcd unavailable: ${err.message}`);
    }
    return err;
  }
  return new Error(String(err));
}
