/**
 * The sqlite store's on-disk layout and its prepared statements.
 *
 * Layout (kine-like, measured in bench/store.ts):
 * - `log`: one row per change, keyed by the global revision. Deletions are rows with `deleted = 1`
 *   and no value; `prev_rev` points at the row they replaced so watch replay can rebuild prevKv.
 * - `current`: the latest revision of each live key. It only points into `log` (no value copy), so
 *   a write costs one value write, while get/list/count at the latest revision avoid scanning history.
 * - `meta`: the compacted revision (and the revision high-water mark, because compaction may
 *   delete the newest log row when it is a deletion).
 */
import Database from 'better-sqlite3';

/** A row of the latest view or of a snapshot: enough to build a KV. */
export interface KvRow {
  key: string;
  value: string;
  create_rev: number;
  rev: number;
}

/** A log row joined with the row it replaced, as watch replay needs it. */
export interface ChangeRow {
  rev: number;
  key: string;
  value: string | null;
  create_rev: number;
  deleted: number;
  prev_rev: number | null;
  prev_value: string | null;
  prev_create_rev: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  value TEXT,
  create_rev INTEGER NOT NULL,
  prev_rev INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  create_rev INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Opens (creating if needed) a database with the durability the Store promises. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  // WAL lets readers proceed during a commit; FULL fsyncs the WAL on every commit, so an
  // acknowledged write survives kill -9 and power loss alike.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = OFF');
  // Values are 1-2 KB JSON; a larger page cache keeps hot pods and the key index in memory.
  db.pragma('cache_size = -65536');
  db.exec(SCHEMA);
  return db;
}

/** Every statement the store runs, prepared once. */
export function prepareStatements(db: Database.Database) {
  const latestSelect =
    'SELECT c.key, l.value, c.create_rev, c.rev FROM current c JOIN log l ON l.rev = c.rev';
  // A snapshot row is the newest change of its key at or below the revision, if not a deletion.
  const snapshotSelect = `SELECT l.key, l.value, l.create_rev, l.rev FROM log l
    WHERE l.rev <= @rev AND l.deleted = 0
      AND l.rev = (SELECT max(l2.rev) FROM log l2 WHERE l2.key = l.key AND l2.rev <= @rev)`;
  return {
    getCurrent: db.prepare<[string], KvRow>(`${latestSelect} WHERE c.key = ?`),
    listLatestFrom: db.prepare<{ lo: string; hi: string; limit: number }, KvRow>(
      `${latestSelect} WHERE c.key >= @lo AND c.key < @hi ORDER BY c.key LIMIT @limit`,
    ),
    listLatestAfter: db.prepare<{ lo: string; hi: string; limit: number }, KvRow>(
      `${latestSelect} WHERE c.key > @lo AND c.key < @hi ORDER BY c.key LIMIT @limit`,
    ),
    listSnapshotFrom: db.prepare<{ lo: string; hi: string; limit: number; rev: number }, KvRow>(
      `${snapshotSelect} AND l.key >= @lo AND l.key < @hi ORDER BY l.key LIMIT @limit`,
    ),
    listSnapshotAfter: db.prepare<{ lo: string; hi: string; limit: number; rev: number }, KvRow>(
      `${snapshotSelect} AND l.key > @lo AND l.key < @hi ORDER BY l.key LIMIT @limit`,
    ),
    count: db
      .prepare<[string, string], number>('SELECT count(*) FROM current WHERE key >= ? AND key < ?')
      .pluck(),
    changes: db.prepare<{ after: number; upto: number; lo: string; hi: string; limit: number }, ChangeRow>(
      `SELECT l.rev, l.key, l.value, l.create_rev, l.deleted, l.prev_rev,
              p.value AS prev_value, p.create_rev AS prev_create_rev
       FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
       WHERE l.rev > @after AND l.rev <= @upto AND l.key >= @lo AND l.key < @hi
       ORDER BY l.rev LIMIT @limit`,
    ),
    insertLog: db.prepare<[number, string, string | null, number, number | null, number]>(
      'INSERT INTO log (rev, key, value, create_rev, prev_rev, deleted) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    upsertCurrent: db.prepare<[string, number, number]>(
      `INSERT INTO current (key, rev, create_rev) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET rev = excluded.rev, create_rev = excluded.create_rev`,
    ),
    insertCurrent: db.prepare<[string, number, number]>(
      'INSERT OR IGNORE INTO current (key, rev, create_rev) VALUES (?, ?, ?)',
    ),
    deleteCurrent: db.prepare<[string]>('DELETE FROM current WHERE key = ?'),
    maxRev: db.prepare<[], number | null>('SELECT max(rev) FROM log').pluck(),
    getMeta: db.prepare<[string], number | undefined>('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare<[string, number]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    // Keeps, for each key, the newest row at or below the compaction revision unless it is a
    // deletion: snapshots above the compacted revision still need it.
    compactRange: db.prepare<{ lo: number; hi: number; rev: number }>(
      `DELETE FROM log WHERE rev > @lo AND rev <= @hi AND (deleted = 1 OR
         rev < (SELECT max(l2.rev) FROM log l2 WHERE l2.key = log.key AND l2.rev <= @rev))`,
    ),
  };
}

/** The prepared statements of one database. */
export type Statements = ReturnType<typeof prepareStatements>;
