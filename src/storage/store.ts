/**
 * The Store interface: a key-value store with etcd's semantics, which the API server is written
 * against. Implementations: sqlite/ (embedded default) and etcd/ (for HA). Both pass the shared
 * conformance suite in conformance.ts.
 *
 * Semantics (as etcd v3):
 * - One global, strictly increasing revision. Every successful create/update/delete takes the next
 *   revision; the written KV carries it as `modRevision`.
 * - Keys are plain strings such as "/registry/pods/default/web-1"; values are opaque strings
 *   (the API server stores JSON).
 * - `watch(prefix, afterRevision)` delivers, in revision order, every change to a key under the
 *   prefix with modRevision > afterRevision, then live changes. If afterRevision is older than the
 *   compacted revision the watch fails with a StoreError 'Gone'.
 */

/** A stored key and its value at one revision. */
export interface KV {
  key: string;
  value: string;
  /** Revision at which the key was created (first put after it did not exist). */
  createRevision: number;
  /** Revision of the last change to the key. */
  modRevision: number;
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone' | 'Unavailable';

/** Store failures the API server maps to Status errors (404, 409, 409, 410, 503). */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For Conflict: the current KV, so callers can report or retry without another read. */
    readonly current?: KV,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface ListOptions {
  /** At most this many items; 0 or undefined means all. */
  limit?: number;
  /** Return only keys strictly greater than this key (the continue token's position). */
  startAfter?: string;
  /**
   * Read at this revision (a consistent snapshot for paging). 0/undefined means the latest.
   * Fails with 'Gone' when the revision has been compacted.
   */
  revision?: number;
}

export interface ListResult {
  items: KV[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys exist after the last returned item. */
  more: boolean;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For put: the new KV. For delete: the key with modRevision = the deletion's revision and the last value. */
  kv: KV;
  /** The previous KV, when one existed (always present for delete). */
  prevKv?: KV;
}

export interface Watch {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface WatchHandlers {
  /** Events arrive in revision order, possibly batched. */
  onEvents(events: WatchEvent[]): void;
  /** Terminal error (e.g. StoreError 'Gone'); no more events follow. */
  onError(err: Error): void;
}

export interface Store {
  /** The latest value of key, or undefined. */
  get(key: string): Promise<KV | undefined>;
  /** Keys under prefix in ascending key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Count of keys under prefix at the latest revision. */
  count(prefix: string): Promise<number>;
  /** Creates key; StoreError 'AlreadyExists' if it exists. */
  create(key: string, value: string): Promise<KV>;
  /**
   * Replaces key's value if its modRevision equals expectedRevision (0 means unconditional);
   * 'NotFound' if absent, 'Conflict' (with `current`) if the revision differs.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KV>;
  /**
   * Deletes key if its modRevision equals expectedRevision (0 means unconditional);
   * returns the deleted KV with modRevision set to the deletion revision.
   */
  delete(key: string, expectedRevision?: number): Promise<KV>;
  /** Streams changes under prefix with modRevision > afterRevision. */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch;
  /** Discards history at or below revision; watches and reads from before it fail with 'Gone'. */
  compact(revision: number): Promise<void>;
  /** The revision of the latest write. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (the compacted revision). */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
