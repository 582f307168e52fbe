/**
 * Raw better-sqlite3 limits with skiff's durability (WAL, synchronous=FULL: one fsync per commit):
 * inserts of a pod-sized value with `batch` rows per transaction, and a LIST read straight from a
 * skiff database file.
 */
import Database from 'better-sqlite3';
import { percentile, round } from './stats.js';

/** Rows per second and per-commit latency (ms) of raw inserts. */
export interface RawInsertResult {
  rowsPerS: number;
  commitP50: number;
  commitP99: number;
  rows: number;
}

/** Inserts `batch` rows per transaction into a fresh file for durationMs or until maxRows. */
export function rawInserts(path: string, value: string, batch: number, durationMs: number, maxRows: number) {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT)');
    const insert = db.prepare('INSERT INTO log (rev, key, value) VALUES (?, ?, ?)');
    const tx = db.transaction((from: number) => {
      for (let i = from; i < from + batch; i++) insert.run(i, `/registry/core/pods/default/p${i}`, value);
    });
    const commits: number[] = [];
    let rows = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs && rows < maxRows) {
      const t0 = performance.now();
      tx(rows + 1);
      commits.push(performance.now() - t0);
      rows += batch;
    }
    const seconds = (performance.now() - start) / 1000;
    commits.sort((a, b) => a - b);
    const result: RawInsertResult = {
      rowsPerS: round(rows / seconds, 0),
      commitP50: round(percentile(commits, 0.5), 2),
      commitP99: round(percentile(commits, 0.99), 2),
      rows,
    };
    return result;
  } finally {
    db.close();
  }
}

/**
 * What a server without a cache pays for a LIST: read the latest rows under prefix from skiff's
 * own schema (read-only), decode each value, and encode the list. Returns ms, items and bytes.
 */
export function rawSqliteList(path: string, prefix: string, kind: string) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const select = db.prepare<[string, string], { value: string; rev: number }>(
      'SELECT l.value, c.rev FROM current c JOIN log l ON l.rev = c.rev WHERE c.key >= ? AND c.key < ? ORDER BY c.key',
    );
    const t0 = performance.now();
    const rows = select.all(prefix, `${prefix}\uffff`);
    const readMs = performance.now() - t0;
    const items = rows.map((r) => {
      const obj = JSON.parse(r.value);
      if (obj.metadata) obj.metadata.resourceVersion = String(r.rev);
      return obj;
    });
    const body = JSON.stringify({ kind, apiVersion: 'v1', metadata: { resourceVersion: '0' }, items });
    return { ms: performance.now() - t0, readMs, items: items.length, bytes: body.length };
  } finally {
    db.close();
  }
}
