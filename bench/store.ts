/**
 * Storage benchmark: sqlite store creates/s and latency against raw better-sqlite3 with the same
 * durability (WAL, synchronous=FULL), on a temp file. The raw figures are the ceiling: one fsync
 * per transaction bounds single writes, batching bounds concurrent ones.
 *
 * The store runs twice: with its commits on this thread ('inline', as before the writer worker)
 * and on the writer worker (the default). For each, the event loop's delay (p99, max) during the
 * run shows how long the thread that serves requests was blocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStoreOptions } from '../src/storage/sqlite/sqlite-store.js';

/** A pod-sized JSON value (~1.5 KB). */
const VALUE = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'frontend' } },
  spec: {
    containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], env: [] }],
    padding: 'x'.repeat(1200),
  },
});

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;
const round = (x: number, digits = 0) => Number(x.toFixed(digits));

/** Raw inserts into a log-like table: `batch` rows per transaction, for about `ms`. */
function rawInserts(path: string, batch: number, ms: number): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT)');
  const insert = db.prepare('INSERT INTO log (rev, key, value) VALUES (?, ?, ?)');
  const tx = db.transaction((from: number) => {
    for (let i = from; i < from + batch; i++) insert.run(i, `/registry/pods/default/p${i}`, VALUE);
  });
  let rows = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    tx(rows + 1);
    rows += batch;
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return round(rows / seconds);
}

/**
 * The writer worker's script. Under `npm run bench` this file is bundled on its own, away from
 * dist/, so it points at the CLI bundle's worker (bench.mjs builds the CLI first).
 */
function workerScript(): URL | undefined {
  const repo = process.env.SKIFF_BENCH_REPO;
  return repo ? pathToFileURL(join(repo, 'dist', 'sqlite-writer.mjs')) : undefined;
}

/** Store creates from `callers` concurrent loops for about `ms`; per-create latency in ms. */
async function storeCreates(path: string, callers: number, ms: number, writer: SqliteStoreOptions['writer']) {
  const store = openSqliteStore(path, { writer, workerScript: workerScript() });
  // Warm up: the worker's start and the first statements are not what is measured.
  await store.create('/registry/warmup', VALUE);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const latencies: number[] = [];
  let next = 0;
  const deadline = performance.now() + ms;
  const start = performance.now();
  const caller = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await store.create(`/registry/pods/default/p${next++}`, VALUE);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  const seconds = (performance.now() - start) / 1000;
  loop.disable();
  const count = await store.count('/registry/pods/');
  const t0 = performance.now();
  const page = await store.list('/registry/pods/', { limit: 500 });
  const listMs = performance.now() - t0;
  await store.close();
  latencies.sort((a, b) => a - b);
  return {
    creates_per_s: round(latencies.length / seconds),
    p50_ms: round(percentile(latencies, 0.5), 3),
    p99_ms: round(percentile(latencies, 0.99), 3),
    event_loop_delay_p99_ms: round(loop.percentile(99) / 1e6, 2),
    event_loop_delay_max_ms: round(loop.max / 1e6, 2),
    keys: count,
    list500_ms: round(listMs, 2),
    listed: page.items.length,
  };
}

/** Runs the benchmark (about 15 s) and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-store-'));
  try {
    return {
      bench: 'store',
      value_bytes: VALUE.length,
      raw_sqlite_inserts_per_s_1_per_txn: rawInserts(join(dir, 'raw1.db'), 1, 2000),
      raw_sqlite_inserts_per_s_64_per_txn: rawInserts(join(dir, 'raw64.db'), 64, 2000),
      inline_1_caller: await storeCreates(join(dir, 'inline1.db'), 1, 2500, 'inline'),
      worker_1_caller: await storeCreates(join(dir, 'worker1.db'), 1, 2500, 'worker'),
      inline_64_callers: await storeCreates(join(dir, 'inline64.db'), 64, 2500, 'inline'),
      worker_64_callers: await storeCreates(join(dir, 'worker64.db'), 64, 2500, 'worker'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
