/**
 * The embedded Store on SQLite (better-sqlite3), the default for a single server.
 *
 * Writes are group-committed: every create/update/delete issued before the next turn of the event
 * loop joins one transaction, committed with one fsync; each caller's promise settles only after
 * that commit. One batch is in flight at a time, and writes arriving meanwhile form the next one,
 * so under load batches grow by themselves. fsync, not SQL, bounds single-write throughput.
 *
 * Where the commit runs (writer.ts): on this thread ('inline') or on a worker thread that owns the
 * only read-write connection ('worker', writer-worker.ts), so that a commit's WAL writes and fsync
 * never block this thread's event loop; reads then use a query-only connection here, which WAL
 * lets run during the worker's commits. The default, 'auto', starts inline (the worker costs
 * ~10 MB of idle RSS) and moves the commits to the worker for good once they have blocked the
 * event loop for AUTO_WORKER_BLOCKED_MS within a second: a busy server's commits take 4-12 ms each
 * (many pages written, then fsync), and a 10,000-replica rollout finished in 12-13 s with the
 * worker against 17-22 s inline (docs/benchmarks.md). SKIFF_SQLITE_WRITER picks a mode by hand.
 *
 * Revisions are allocated by the writer alone. This thread knows a revision once the writer's
 * reply for it arrived: `rev` is the newest acknowledged revision, and every event up to it has
 * been delivered to watchers. Reads may already see later commits whose reply is still on its way,
 * so a list at the latest revision reports the revision of the data it read, not `rev`.
 *
 * The process owns the database: two processes must never open the same file for writing.
 */
import type Database from 'better-sqlite3';
import type { KV, ListOptions, ListResult, Store, Watch, WatchEvent, WatchHandlers } from '../store.js';
import { StoreError } from '../store.js';
import { toKV, type WriteOp } from './apply.js';
import { type ChangeRow, openDatabase, prepareStatements, type Statements } from './schema.js';
import { deliver, type HubWatcher, WatchHub } from './watch-hub.js';
import { WorkerWriter } from './worker-client.js';
import { writerScript } from './worker-script.js';
import {
  type BatchResult,
  type BatchWriter,
  headRevision,
  InlineWriter,
  toStoreError,
  Writer,
} from './writer.js';

/** Largest number of writes per transaction, so one huge burst cannot stall a commit. */
const MAX_BATCH = 2048;
/** Log rows read per replay step. */
const REPLAY_CHUNK = 1000;

/** Commit time within one second after which an 'auto' store moves its commits to the worker. */
const AUTO_WORKER_BLOCKED_MS = 100;

/** Where commits run; see the module comment. */
export interface SqliteStoreOptions {
  /**
   * 'auto' (the default: inline until commits block the loop, then the worker), 'inline' (this
   * thread; always so for ':memory:') or 'worker' (a writer thread from the start). When unset,
   * SKIFF_SQLITE_WRITER (auto, inline or worker) chooses.
   */
  writer?: 'auto' | 'worker' | 'inline';
  /** For 'auto': milliseconds of commits within a second that move them to the worker. */
  autoWorkerBlockedMs?: number;
  /** The writer worker's script; by default the bundled file, or one built from the sources. */
  workerScript?: URL;
}

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

/** SKIFF_SQLITE_WRITER=inline|worker|auto, for benchmarks and operators; 'auto' otherwise. */
function writerFromEnv(): 'auto' | 'worker' | 'inline' {
  const v = process.env.SKIFF_SQLITE_WRITER;
  return v === 'worker' || v === 'inline' ? v : 'auto';
}

function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

/** A Store on one SQLite file (or ':memory:'). */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly hub = new WatchHub();
  private writer: BatchWriter;
  /** For 'auto': how long inline commits blocked the loop in the current one-second window. */
  private autoWindow: { start: number; blockedMs: number } | undefined;
  private readonly autoThresholdMs: number;
  /** Runs a read in one transaction, so what it reads and the head revision agree. */
  private readonly readConsistent: <T>(read: () => T) => T;
  private rev: number;
  private readonly startWorker: () => BatchWriter;
  private compacted: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private inFlight = false;
  private idle: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  /** 'auto': the move to the worker, while it runs. */
  private upgrade: Promise<void> | undefined;
  private moving = false;
  private closed = false;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.db = openDatabase(path);
    try {
      this.stmts = prepareStatements(this.db);
      this.compacted = this.stmts.getMeta.get('compacted') ?? 0;
      this.rev = headRevision(this.stmts);
      const transaction = this.db.transaction((read: () => unknown) => read());
      this.readConsistent = <T>(read: () => T) => transaction(read) as T;
      const writer = options.writer ?? writerFromEnv();
      this.autoThresholdMs = options.autoWorkerBlockedMs ?? AUTO_WORKER_BLOCKED_MS;
      this.startWorker = () => {
        // The worker is the only writer; this connection reading is all that is left here.
        this.db.pragma('query_only = ON');
        return new WorkerWriter(path, options.workerScript ?? writerScript());
      };
      if (isInMemory(path) || writer === 'inline') {
        this.writer = new InlineWriter(new Writer(this.stmts));
      } else if (writer === 'auto') {
        this.writer = new InlineWriter(new Writer(this.stmts));
        this.autoWindow = { start: performance.now(), blockedMs: 0 };
      } else {
        this.writer = this.startWorker();
      }
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** Where commits run now: 'worker' once an 'auto' store has moved them. */
  get writerKind(): 'inline' | 'worker' {
    return this.writer.concurrent ? 'worker' : 'inline';
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
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const after = options.startAfter !== undefined && options.startAfter >= prefix;
    const params = {
      lo: after ? options.startAfter! : prefix,
      hi: prefixEnd(prefix),
      limit: limit > 0 ? limit + 1 : -1,
    };
    return this.readConsistent(() => {
      // The worker may have committed past `rev`; the data read here is at `head`.
      const head = Math.max(this.rev, this.stmts.maxRev.get() ?? 0);
      if (rev > head) throw new RangeError(`revision ${rev} is in the future (current ${head})`);
      const snapshot = rev > 0 && rev < head;
      const rows = snapshot
        ? (after ? this.stmts.listSnapshotAfter : this.stmts.listSnapshotFrom).all({ ...params, rev })
        : (after ? this.stmts.listLatestAfter : this.stmts.listLatestFrom).all(params);
      const more = limit > 0 && rows.length > limit;
      if (more) rows.pop();
      return { items: rows.map(toKV), revision: snapshot ? rev : head, more };
    });
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
    if (revision <= this.compacted) return;
    // Published first: from here on reads and watches below `revision` fail, so the writer
    // deleting the rows they would need (in chunks, commits in between) cannot corrupt them.
    this.compacted = revision;
    await this.writer.compact(revision);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  /** Commits what was queued, then stops the writer and closes both connections. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.autoWindow = undefined;
    await this.upgrade;
    if (this.queue.length > 0 || this.flushScheduled || this.inFlight) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    this.closed = true;
    this.hub.failAll(new StoreError('Unavailable', 'store closed'));
    try {
      await this.writer.close();
    } finally {
      this.db.close();
    }
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
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends the queued writes as one batch, unless a batch is in flight (its reply sends them). */
  private flush(): void {
    if (this.inFlight || this.moving || this.queue.length === 0) return;
    const batch = this.queue.length > MAX_BATCH ? this.queue.splice(0, MAX_BATCH) : this.queue;
    if (batch === this.queue) this.queue = [];
    this.inFlight = true;
    const started = performance.now();
    this.writer.commit(batch.map((pending) => pending.op)).then(
      (result) => this.committed(batch, result),
      (err: Error) => this.failed(batch, err),
    );
    // An inline commit ran inside the call above: that long, the event loop was blocked.
    if (this.autoWindow) this.countBlocked(performance.now() - started);
  }

  /** 'auto': adds an inline commit's duration; past the threshold in one second, the worker takes over. */
  private countBlocked(ms: number): void {
    const w = this.autoWindow!;
    const now = performance.now();
    if (now - w.start > 1000) {
      w.start = now;
      w.blockedMs = 0;
    }
    w.blockedMs += ms;
    if (w.blockedMs >= this.autoThresholdMs) {
      this.autoWindow = undefined;
      this.upgrade = this.moveToWorker();
    }
  }

  /**
   * Hands the commits to the worker: once the inline batch in flight has settled (`moving` holds
   * further batches back meanwhile) and any compaction has stopped, the inline writer is closed
   * and the worker opens its own connection, reading the head revision from the committed file.
   */
  private async moveToWorker(): Promise<void> {
    this.moving = true;
    try {
      // The inline batch in flight settles first; none starts meanwhile (flush waits).
      while (this.inFlight) await new Promise<void>((resolve) => setImmediate(resolve));
      await this.writer.close();
      this.writer = this.startWorker();
    } finally {
      this.moving = false;
      if (this.queue.length > 0) this.flush();
      this.settleIdle();
    }
  }

  private committed(batch: Pending[], { results, rev }: BatchResult): void {
    this.batchDone();
    this.rev = rev;
    const events: WatchEvent[] = [];
    for (const result of results) if (result.ok) events.push(result.applied.event);
    // Watchers first: when a caller's promise resolves, in-process watchers (the API server's
    // watch cache) have already seen its write.
    this.hub.publish(events);
    batch.forEach((pending, i) => {
      const result = results[i];
      if (result.ok) pending.resolve(result.applied.kv);
      else pending.reject(toStoreError(result));
    });
    this.settleIdle();
  }

  private failed(batch: Pending[], err: Error): void {
    this.batchDone();
    const failure = new StoreError('Unavailable', `commit failed: ${err.message}`);
    for (const pending of batch) pending.reject(failure);
    this.settleIdle();
  }

  /** Sends the writes that queued up during the commit: at once to a worker, which is idle now. */
  private batchDone(): void {
    this.inFlight = false;
    if (this.queue.length === 0) return;
    if (this.writer.concurrent) this.flush();
    else this.scheduleFlush();
  }

  private settleIdle(): void {
    if (this.queue.length > 0 || this.flushScheduled || this.inFlight || this.moving) return;
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

/** Opens the sqlite Store at path (created if missing; ':memory:' for a throwaway store, always inline). */
export function openSqliteStore(path: string, options?: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(path, options);
}
