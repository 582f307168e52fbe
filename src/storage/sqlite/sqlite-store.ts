/**
 * The embedded Store on SQLite (better-sqlite3), the default for a single server.
 *
 * Writes are group-committed: every create/update/delete issued before the next turn of the event
 * loop joins one transaction, committed with one fsync; each caller's promise settles only after
 * that commit. Under load (many concurrent API requests) batches grow by themselves, because
 * requests arriving while a batch commits queue up for the next one. This is the store's main
 * performance lever: fsync, not SQL, bounds single-write throughput.
 *
 * The process owns the database: revisions are allocated in memory from the log's high-water mark
 * at open, so two processes must never open the same file for writing.
 */
import type Database from 'better-sqlite3';
import type { KV, ListOptions, ListResult, Store, Watch, WatchEvent, WatchHandlers } from '../store.js';
import { StoreError } from '../store.js';
import { type Applied, applyOp, toKV, type WriteOp } from './apply.js';
import { type ChangeRow, openDatabase, prepareStatements, type Statements } from './schema.js';
import { deliver, type HubWatcher, WatchHub } from './watch-hub.js';

/** Largest number of writes per transaction, so one huge burst cannot stall the event loop. */
const MAX_BATCH = 2048;
/** Log rows read per replay step and deleted per compaction transaction. */
const REPLAY_CHUNK = 1000;
const COMPACT_CHUNK = 10_000;

interface Pending {
  op: WriteOp;
  resolve(kv: KV): void;
  reject(err: Error): void;
}

/** Smallest string above every key that starts with prefix (keys are compared as UTF-8 bytes). */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10ffff}`;
}

function toEvent(row: ChangeRow): WatchEvent {
  const prevKv: KV | undefined =
    row.prev_rev !== null && row.prev_value !== null
      ? {
          key: row.key,
          value: row.prev_value,
          createRevision: row.prev_create_rev!,
          modRevision: row.prev_rev,
        }
      : undefined;
  const kv: KV = {
    key: row.key,
    value: row.deleted ? (prevKv?.value ?? '') : (row.value ?? ''),
    createRevision: row.create_rev,
    modRevision: row.rev,
  };
  return prevKv ? { type: row.deleted ? 'delete' : 'put', kv, prevKv } : { type: 'put', kv };
}

/** A Store on one SQLite file (or ':memory:'). */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly hub = new WatchHub();
  private readonly runBatch: (batch: Pending[], results: (Applied | StoreError)[]) => void;
  private rev: number;
  private compacted: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private idle: (() => void)[] = [];
  private closed = false;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.stmts = prepareStatements(this.db);
    this.compacted = this.stmts.getMeta.get('compacted') ?? 0;
    this.rev = Math.max(this.stmts.maxRev.get() ?? 0, this.compacted);
    this.runBatch = this.db.transaction((batch: Pending[], results: (Applied | StoreError)[]) => {
      for (const pending of batch) {
        try {
          results.push(applyOp(this.stmts, pending.op, this.rev + 1));
          this.rev++;
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          results.push(err);
        }
      }
    });
  }

  async get(key: string): Promise<KV | undefined> {
    this.assertOpen();
    const row = this.stmts.getCurrent.get(key);
    return row ? toKV(row) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const rev = options.revision ?? 0;
    if (rev > 0 && rev < this.compacted) {
      throw new StoreError('Gone', `revision ${rev} has been compacted (compacted at ${this.compacted})`);
    }
    if (rev > this.rev) throw new RangeError(`revision ${rev} is in the future (current ${this.rev})`);
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const after = options.startAfter !== undefined && options.startAfter >= prefix;
    const params = {
      lo: after ? options.startAfter! : prefix,
      hi: prefixEnd(prefix),
      limit: limit > 0 ? limit + 1 : -1,
    };
    const snapshot = rev > 0 && rev < this.rev;
    const rows = snapshot
      ? (after ? this.stmts.listSnapshotAfter : this.stmts.listSnapshotFrom).all({ ...params, rev })
      : (after ? this.stmts.listLatestAfter : this.stmts.listLatestFrom).all(params);
    const more = limit > 0 && rows.length > limit;
    if (more) rows.pop();
    return { items: rows.map(toKV), revision: snapshot ? rev : this.rev, more };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.stmts.count.get(prefix, prefixEnd(prefix)) ?? 0;
  }

  create(key: string, value: string): Promise<KV> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KV> {
    return this.enqueue({ kind: 'update', key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision = 0): Promise<KV> {
    return this.enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const watcher: HubWatcher = { prefix, handlers, lastRev: afterRevision, closed: false };
    // Started in a microtask so handlers never run before watch() has returned.
    queueMicrotask(() => this.startWatch(watcher));
    return {
      close: () => {
        watcher.closed = true;
        this.hub.remove(watcher);
      },
    };
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.rev) throw new RangeError(`cannot compact at future revision ${revision}`);
    const from = this.compacted;
    if (revision <= from) return;
    // Published first: from here on reads and watches below `revision` fail, so deleting the rows
    // they would need (in chunks, letting writes in between) cannot corrupt what they see.
    this.stmts.setMeta.run('compacted', revision);
    this.compacted = revision;
    for (let lo = from; lo < revision && !this.closed; lo += COMPACT_CHUNK) {
      this.stmts.compactRange.run({ lo, hi: Math.min(lo + COMPACT_CHUNK, revision), rev: revision });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0 || this.flushScheduled) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    this.closed = true;
    this.hub.failAll(new StoreError('Unavailable', 'store closed'));
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'store closed');
  }

  private enqueue(op: WriteOp): Promise<KV> {
    if (this.closed) return Promise.reject(new StoreError('Unavailable', 'store closed'));
    return new Promise<KV>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate (not a microtask) so writes arriving in the same I/O poll phase, such as
    // many HTTP requests read at once, join one batch.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.length > MAX_BATCH ? this.queue.splice(0, MAX_BATCH) : this.queue;
    if (batch === this.queue) this.queue = [];
    else this.scheduleFlush();
    const results: (Applied | StoreError)[] = [];
    const startRev = this.rev;
    try {
      this.runBatch(batch, results);
    } catch (err) {
      this.rev = startRev;
      const failure = new StoreError('Unavailable', `commit failed: ${(err as Error).message}`);
      for (const pending of batch) pending.reject(failure);
      this.settleIdle();
      return;
    }
    const events: WatchEvent[] = [];
    batch.forEach((pending, i) => {
      const result = results[i];
      if (result instanceof StoreError) pending.reject(result);
      else {
        pending.resolve(result.kv);
        events.push(result.event);
      }
    });
    this.hub.publish(events);
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.queue.length > 0 || this.flushScheduled) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
  }

  /** Replays the log after the watcher's revision and goes live, in one synchronous step. */
  private startWatch(watcher: HubWatcher): void {
    if (watcher.closed) return;
    if (this.closed) {
      watcher.closed = true;
      watcher.handlers.onError(new StoreError('Unavailable', 'store closed'));
      return;
    }
    if (watcher.lastRev < this.compacted) {
      watcher.closed = true;
      watcher.handlers.onError(
        new StoreError('Gone', `revision ${watcher.lastRev} has been compacted (at ${this.compacted})`),
      );
      return;
    }
    const upto = this.rev;
    const hi = prefixEnd(watcher.prefix);
    while (watcher.lastRev < upto && !watcher.closed) {
      const rows = this.stmts.changes.all({
        after: watcher.lastRev,
        upto,
        lo: watcher.prefix,
        hi,
        limit: REPLAY_CHUNK,
      });
      if (rows.length === 0) break;
      watcher.lastRev = rows[rows.length - 1].rev;
      deliver(watcher, rows.map(toEvent), () => {});
    }
    watcher.lastRev = Math.max(watcher.lastRev, upto);
    this.hub.add(watcher);
  }
}

/** Opens the sqlite Store at path (created if missing; ':memory:' for a throwaway store). */
export function openSqliteStore(path: string): SqliteStore {
  return new SqliteStore(path);
}
