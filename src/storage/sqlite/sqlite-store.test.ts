/**
 * Runs the Store conformance suite on the sqlite store, plus what only the sqlite store promises:
 * durability of acknowledged writes across kill -9, reopening, and group commit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeStoreConformance } from '../conformance.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-test-'));
let n = 0;

describeStoreConformance(
  'sqlite',
  async () => openSqliteStore(join(dir, `conformance-${n++}.db`)),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describeStoreConformance('sqlite in memory', async () => openSqliteStore(':memory:'));

describe('sqlite store', () => {
  const stores: SqliteStore[] = [];
  const children: ChildProcess[] = [];
  const root = mkdtempSync(join(tmpdir(), 'skiff-sqlite-durable-'));
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const open = (path: string) => {
    const store = openSqliteStore(path);
    stores.push(store);
    return store;
  };

  it('keeps revisions, data and the compacted revision across reopen', async () => {
    const path = join(root, 'reopen.db');
    const first = open(path);
    const a = await first.create('/a', '1');
    await first.update('/a', '2', a.modRevision);
    const deleted = await first.delete('/a');
    await first.create('/b', '1');
    await first.compact(deleted.modRevision);
    const rev = await first.currentRevision();
    await first.close();
    const second = open(path);
    expect(await second.currentRevision()).toBe(rev);
    expect(await second.compactedRevision()).toBe(deleted.modRevision);
    expect((await second.get('/b'))?.value).toBe('1');
    expect((await second.create('/c', '1')).modRevision).toBe(rev + 1);
  });

  it('does not reuse a compacted deletion revision after reopen', async () => {
    const path = join(root, 'tail.db');
    const first = open(path);
    await first.create('/a', '1');
    const deleted = await first.delete('/a');
    await first.compact(deleted.modRevision);
    await first.close();
    const second = open(path);
    expect((await second.create('/a', '2')).modRevision).toBe(deleted.modRevision + 1);
  });

  it('commits writes issued in the same tick as one batch with consecutive revisions', async () => {
    const store = open(':memory:');
    const batches: number[] = [];
    store.watch('/', 0, { onEvents: (events) => batches.push(events.length), onError: () => {} });
    await new Promise((resolve) => setImmediate(resolve));
    const kvs = await Promise.all(Array.from({ length: 64 }, (_, i) => store.create(`/k${i}`, 'v')));
    expect(kvs.map((kv) => kv.modRevision)).toEqual(kvs.map((_, i) => i + 1));
    expect(batches).toEqual([64]);
  });

  it('rejects writes after close with Unavailable', async () => {
    const store = openSqliteStore(':memory:');
    await store.close();
    await expect(store.create('/a', '1')).rejects.toMatchObject({ code: 'Unavailable' });
  });

  it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
    const entry = fileURLToPath(new URL('./durability-child.fixture.ts', import.meta.url));
    // CommonJS so the temp-dir script finds better-sqlite3 through NODE_PATH (ESM ignores it).
    const script = join(root, 'child.cjs');
    buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: script,
      external: ['better-sqlite3'],
      logLevel: 'error',
    });
    const db = join(root, 'durable.db');
    const child = spawn(process.execPath, [script, db], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_PATH: fileURLToPath(new URL('../../../node_modules', import.meta.url)) },
    });
    children.push(child);
    const acked: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        acked.push(...lines);
        if (acked.length >= 3000 && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const store = open(db);
    const missing: string[] = [];
    for (const key of acked) if (!(await store.get(key))) missing.push(key);
    expect(missing).toEqual([]);
    expect(await store.count('/registry/pods/')).toBeGreaterThanOrEqual(acked.length);
  });
});
