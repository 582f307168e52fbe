/**
 * Applies one write (create/update/delete) inside the open batch transaction. Each write checks
 * its precondition against the state left by the writes before it in the same batch, so a batch
 * behaves exactly as the same writes committed one by one.
 */
import { type KV, StoreError, type WatchEvent } from '../store.js';
import type { KvRow, Statements } from './schema.js';

/** A queued write. `expected` 0 means unconditional. */
export type WriteOp =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expected: number }
  | { kind: 'delete'; key: string; expected: number };

/** What a successful write returns to its caller and publishes to watchers. */
export interface Applied {
  kv: KV;
  event: WatchEvent;
}

/** Converts a row of the latest view or a snapshot into a KV. */
export function toKV(row: KvRow): KV {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.rev };
}

/**
 * Applies op at revision `rev`; throws StoreError (NotFound, AlreadyExists, Conflict) when its
 * precondition fails, in which case nothing was written and the revision is not used.
 */
export function applyOp(stmts: Statements, op: WriteOp, rev: number): Applied {
  if (op.kind === 'create') return applyCreate(stmts, op.key, op.value, rev);
  const row = stmts.getCurrent.get(op.key);
  const current = row ? toKV(row) : undefined;
  if (!current) throw new StoreError('NotFound', `key ${op.key} not found`);
  if (op.expected && op.expected !== current.modRevision) {
    throw new StoreError(
      'Conflict',
      `key ${op.key} is at revision ${current.modRevision}, not ${op.expected}`,
      current,
    );
  }
  if (op.kind === 'update') {
    stmts.insertLog.run(rev, op.key, op.value, current.createRevision, current.modRevision, 0);
    stmts.upsertCurrent.run(op.key, rev, current.createRevision);
    const kv = { key: op.key, value: op.value, createRevision: current.createRevision, modRevision: rev };
    return { kv, event: { type: 'put', kv, prevKv: current } };
  }
  stmts.insertLog.run(rev, op.key, null, current.createRevision, current.modRevision, 1);
  stmts.deleteCurrent.run(op.key);
  const kv = { ...current, modRevision: rev };
  return { kv, event: { type: 'delete', kv, prevKv: current } };
}

/** Claims the key in `current` first: creates are the hot path, and this saves a lookup. */
function applyCreate(stmts: Statements, key: string, value: string, rev: number): Applied {
  if (stmts.insertCurrent.run(key, rev, rev).changes === 0) {
    const row = stmts.getCurrent.get(key);
    throw new StoreError('AlreadyExists', `key ${key} already exists`, row ? toKV(row) : undefined);
  }
  stmts.insertLog.run(rev, key, value, rev, null, 0);
  const kv = { key, value, createRevision: rev, modRevision: rev };
  return { kv, event: { type: 'put', kv } };
}
