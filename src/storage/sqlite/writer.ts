/**
 * The single writer of a sqlite store: commits batches of writes (one transaction, one fsync per
 * batch) and compacts the log. The same code runs on the store's own thread (':memory:' and the
 * 'inline' mode) and inside the writer worker (writer-worker.ts); what it returns is plain data so
 * it can cross the worker boundary by structured clone.
 */
import { type KV, StoreError, type StoreErrorCode } from '../store.js';
import { type Applied, applyOp, type WriteOp } from './apply.js';
import type { Statements } from './schema.js';

/** Log rows deleted per compaction transaction; writes run between chunks. */
const COMPACT_CHUNK = 10_000;

/** One write's outcome: what it applied, or why its precondition failed (a StoreError's fields). */
export type OpResult =
  | { ok: true; applied: Applied }
  | { ok: false; code: StoreErrorCode; message: string; current?: KV };

/** A committed batch: one result per op, in order, and the revision after the batch. */
export interface BatchResult {
  results: OpResult[];
  rev: number;
}

/** What the store needs from its writer, wherever it runs. */
export interface BatchWriter {
  /** True when commits run off the store's thread, so the next batch should be sent at once. */
  readonly concurrent: boolean;
  /** Commits ops as one durable transaction; rejects, with nothing written, if the commit fails. */
  commit(ops: WriteOp[]): Promise<BatchResult>;
  /** Deletes history at or below revision (the store has already published the new floor). */
  compact(revision: number): Promise<void>;
  /** Stops compaction at the next chunk and releases the writer's resources. */
  close(): Promise<void>;
}

/** The highest revision ever used: the log's newest row, or the compacted revision if that is higher. */
export function headRevision(stmts: Statements): number {
  return Math.max(stmts.maxRev.get() ?? 0, stmts.getMeta.get('compacted') ?? 0);
}

/** Rebuilds the StoreError a failed op's result describes. */
export function toStoreError(result: Extract<OpResult, { ok: false }>): StoreError {
  return new StoreError(result.code, result.message, result.current);
}

/** Applies batches and compactions on one read-write connection; allocates every revision. */
export class Writer {
  private readonly runBatch: (ops: WriteOp[], results: OpResult[]) => void;
  private rev: number;
  private stopping = false;
  private compaction: Promise<void> = Promise.resolve();

  constructor(private readonly stmts: Statements) {
    this.rev = headRevision(stmts);
    this.runBatch = stmts.insertLog.database.transaction((ops: WriteOp[], results: OpResult[]) => {
      for (const op of ops) {
        try {
          results.push({ ok: true, applied: applyOp(stmts, op, this.rev + 1) });
          this.rev++;
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          results.push({ ok: false, code: err.code, message: err.message, current: err.current });
        }
      }
    });
  }

  /** Commits ops in one transaction; throws (and reuses no revision) when the commit fails. */
  commit(ops: WriteOp[]): BatchResult {
    const results: OpResult[] = [];
    const start = this.rev;
    try {
      this.runBatch(ops, results);
    } catch (err) {
      this.rev = start;
      throw err;
    }
    return { results, rev: this.rev };
  }

  /** Compacts at revision after any compaction already running, so their chunks never interleave. */
  compact(revision: number): Promise<void> {
    const run = this.compaction.then(() => this.compactNow(revision));
    this.compaction = run.catch(() => {});
    return run;
  }

  /** Makes running compactions stop at their next chunk; resolves once none runs. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.compaction;
  }

  private async compactNow(revision: number): Promise<void> {
    const from = this.stmts.getMeta.get('compacted') ?? 0;
    if (revision <= from || this.stopping) return;
    this.stmts.setMeta.run('compacted', revision);
    for (let lo = from; lo < revision && !this.stopping; lo += COMPACT_CHUNK) {
      this.stmts.compactRange.run({ lo, hi: Math.min(lo + COMPACT_CHUNK, revision), rev: revision });
      // Lets write batches commit between chunks: a large compaction must not stall writes.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** The writer on the store's own thread, sharing its connection (':memory:' needs this). */
export class InlineWriter implements BatchWriter {
  readonly concurrent = false;

  constructor(private readonly writer: Writer) {}

  async commit(ops: WriteOp[]): Promise<BatchResult> {
    return this.writer.commit(ops);
  }

  compact(revision: number): Promise<void> {
    return this.writer.compact(revision);
  }

  async close(): Promise<void> {
    await this.writer.stop();
  }
}
