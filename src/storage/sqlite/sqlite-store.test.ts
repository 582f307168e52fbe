/**
 * Runs the Store conformance suite on the sqlite store (worker writer, inline writer, in memory),
 * plus what only the sqlite store promises: durability of acknowledged writes across kill -9,
 * reopening, group commit, and the ordering the worker writer must keep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeStoreConformance } from '../conformance.js';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-test-'));
let n = 0;

describeStoreConformance(
  'sqlite with the writer worker',
  async () => openSqliteStore(join(dir, `conformance-${n++}.db`), { writer: 'worker' }),
  async () => rmSync(dir, { recursive: true, force: true }),
);

const inlineDir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-inline-test-'));
describeStoreConformance(
  'sqlite inline on a file',
  async () => openSqliteStore(join(inlineDir, `conformance-${n++}.db`), { writer: 'inline' }),
  async () => rmSync(inlineDir, { recursive: true, force: true }),
);

const autoDir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-auto-test-'));
describeStoreConformance(
  'sqlite auto, moving to the worker at its first commit',
  async () =>
    openSqliteStore(join(autoDir, `conformance-${n++}.db`), { writer: 'auto', autoWorkerBlockedMs: 0 }),
  async () => rmSync(autoDir, { recursive: true, force: true }),
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
  const open = (path: string, options?: SqliteStoreOptions) => {
    const store = openSqliteStore(path, options);
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

  const modes: { name: string; path: () => string; options?: SqliteStoreOptions }[] = [
    {
      name: 'with the worker writer',
      path: () => join(root, `mode-${n++}.db`),
      options: { writer: 'worker' },
    },
    {
      name: 'auto, moving to the worker at its first commit',
      path: () => join(root, `mode-${n++}.db`),
      options: { writer: 'auto', autoWorkerBlockedMs: 0 },
    },
    { name: 'inline on a file', path: () => join(root, `mode-${n++}.db`), options: { writer: 'inline' } },
    { name: 'in memory', path: () => ':memory:' },
  ];

  it('auto: starts inline, moves to the worker once commits block the loop, and loses nothing', async () => {
    const path = join(root, `auto-${n++}.db`);
    const store = open(path, { writer: 'auto', autoWorkerBlockedMs: 0 });
    expect(store.writerKind).toBe('inline');
    const first = await store.create('/a/0', 'v');
    const rest = await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`/a/${i + 1}`, 'v')));
    expect(store.writerKind).toBe('worker');
    expect(rest.map((kv) => kv.modRevision)).toEqual(rest.map((_, i) => first.modRevision + i + 1));
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const reopened = open(path, { writer: 'inline' });
    expect((await reopened.list('/a/')).items).toHaveLength(101);
    expect(await reopened.currentRevision()).toBe(first.modRevision + 100);
  });

  for (const mode of modes) {
    it(`delivers a write's watch event before its promise resolves, ${mode.name}`, async () => {
      const store = open(mode.path(), mode.options);
      const seen: number[] = [];
      store.watch('/', 0, {
        onEvents: (events) => seen.push(...events.map((e) => e.kv.modRevision)),
        onError() {},
      });
      await new Promise((resolve) => setImmediate(resolve));
      const unseen: string[] = [];
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const kv = await store.create(`/k${i}`, 'v');
          if (!seen.includes(kv.modRevision)) unseen.push(kv.key);
        }),
      );
      expect(unseen).toEqual([]);
      expect(seen).toHaveLength(200);
    });
  }

  it('sends the writes issued while a batch commits in the worker as the next batch', async () => {
    const store = open(join(root, 'next-batch.db'));
    const batches: number[] = [];
    store.watch('/', 0, { onEvents: (events) => batches.push(events.length), onError() {} });
    await new Promise((resolve) => setImmediate(resolve));
    const first = store.create('/first', 'v');
    // Two turns: the first batch has been sent to the worker, and no reply can arrive before
    // this code yields again, so the next 50 writes wait for it together.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 50 }, (_, i) => store.create(`/k${i}`, 'v'));
    const kvs = await Promise.all([first, ...rest]);
    expect(batches).toEqual([1, 50]);
    expect(kvs.map((kv) => kv.modRevision)).toEqual(kvs.map((_, i) => i + 1));
  });

  it('commits the writes queued before close and keeps them after reopen', async () => {
    const path = join(root, 'drain.db');
    const store = openSqliteStore(path);
    const writes = Array.from({ length: 100 }, (_, i) => store.create(`/k${i}`, 'v'));
    await store.close();
    expect((await Promise.all(writes)).map((kv) => kv.modRevision)).toEqual(writes.map((_, i) => i + 1));
    const reopened = open(path);
    expect(await reopened.count('/k')).toBe(100);
    expect(await reopened.currentRevision()).toBe(100);
  });

  it('lists at the revision of what it read, so a watch from it neither misses nor repeats a write', async () => {
    const store = open(join(root, 'list-watch.db'));
    const total = 1500;
    let next = 0;
    const writer = async () => {
      while (next < total) await store.create(`/k/${next++}`, 'v');
    };
    const writers = Promise.all(Array.from({ length: 16 }, writer));
    const views: { listed: string[]; watched: string[]; revision: number; bad: number[] }[] = [];
    while (next < total) {
      const page = await store.list('/k/');
      const view = {
        listed: page.items.map((kv) => kv.key),
        watched: [] as string[],
        revision: page.revision,
        bad: [] as number[],
      };
      views.push(view);
      store.watch('/k/', page.revision, {
        onEvents(events) {
          for (const e of events) {
            if (e.kv.modRevision <= view.revision) view.bad.push(e.kv.modRevision);
            view.watched.push(e.kv.key);
          }
        },
        onError() {},
      });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await writers;
    await new Promise((resolve) => setImmediate(resolve));
    expect(views.length).toBeGreaterThan(1);
    for (const view of views) {
      expect(view.bad).toEqual([]);
      expect([...view.listed, ...view.watched].sort()).toEqual(
        Array.from({ length: total }, (_, i) => `/k/${i}`).sort(),
      );
    }
  });

  it('fails writes with Unavailable but keeps serving reads when the worker cannot start', async () => {
    const broken = join(root, 'broken-worker.mjs');
    writeFileSync(broken, "throw new Error('worker failed to start');\n");
    const path = join(root, 'broken.db');
    const seeded = openSqliteStore(path, { writer: 'inline' });
    await seeded.create('/a', '1');
    await seeded.close();
    const store = open(path, { writer: 'worker', workerScript: pathToFileURL(broken) });
    await expect(store.create('/b', '1')).rejects.toMatchObject({ code: 'Unavailable' });
    expect((await store.get('/a'))?.value).toBe('1');
    expect(await store.currentRevision()).toBe(1);
  });

  it('rejects writes after close with Unavailable', async () => {
    const store = openSqliteStore(':memory:');
    await store.close();
    await expect(store.create('/a', '1')).rejects.toMatchObject({ code: 'Unavailable' });
  });

  it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
    // Built like the real bundle: the store finds sqlite-writer.mjs next to the child, and a
    // node_modules link lets both ESM files resolve better-sqlite3 from the temp dir.
    const out = join(root, 'bundle');
    buildSync({
      entryPoints: {
        child: fileURLToPath(new URL('./durability-child.fixture.ts', import.meta.url)),
        'sqlite-writer': fileURLToPath(new URL('./writer-worker.ts', import.meta.url)),
      },
      outdir: out,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['better-sqlite3'],
      logLevel: 'error',
    });
    symlinkSync(fileURLToPath(new URL('../../../node_modules', import.meta.url)), join(out, 'node_modules'));
    const script = join(out, 'child.mjs');
    const db = join(root, 'durable.db');
    const child = spawn(process.execPath, [script, db], { stdio: ['ignore', 'pipe', 'inherit'] });
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
