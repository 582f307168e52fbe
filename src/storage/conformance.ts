/**
 * The one conformance suite every Store implementation runs (DESIGN.md convention 4): the API
 * server relies on exactly these semantics, so sqlite and etcd must agree on all of them.
 *
 * Tests never assume revisions start at 1 or are contiguous: etcd's revision is shared by every
 * prefix (and the suite runs each test under a fresh prefix on one etcd).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type KV, type Store, StoreError, type StoreErrorCode, type WatchEvent } from './store.js';

/** Resolves with the StoreError code a promise rejects with (fails if it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<StoreErrorCode> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StoreError) return err.code;
    throw err;
  }
  throw new Error('expected a StoreError, but the call succeeded');
}

/** Collects a watch's events; `until(n)` waits for n events, `failure` for its terminal error. */
function collect(store: Store, prefix: string, afterRevision: number) {
  const events: WatchEvent[] = [];
  let failWith: (err: Error) => void = () => {};
  const failure = new Promise<Error>((resolve) => {
    failWith = resolve;
  });
  const waiters: { n: number; resolve: () => void }[] = [];
  const watch = store.watch(prefix, afterRevision, {
    onEvents(batch) {
      events.push(...batch);
      for (const w of waiters.filter((w) => events.length >= w.n)) w.resolve();
    },
    onError: (err) => failWith(err),
  });
  const until = (n: number, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      if (events.length >= n) return resolve();
      const timer = setTimeout(() => reject(new Error(`got ${events.length} of ${n} events`)), ms);
      waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { events, until, failure, watch };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const brief = (e: WatchEvent) => `${e.type} ${e.kv.key}=${e.kv.value}@${e.kv.modRevision}`;

/**
 * Registers the conformance suite. `open` returns a fresh, empty store for each test (it is closed
 * after the test); `cleanup` runs once after the whole suite.
 */
export function describeStoreConformance(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
): void {
  describe(`Store conformance: ${name}`, () => {
    let opened: Store[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
    });
    if (cleanup) afterAll(cleanup);

    describe('CRUD', () => {
      it('returns undefined for a key that was never written', async () => {
        const store = await fresh();
        expect(await store.get('/registry/pods/default/none')).toBeUndefined();
      });

      it('creates a key whose create and mod revisions are the write revision', async () => {
        const store = await fresh();
        const kv = await store.create('/registry/pods/default/a', '{"a":1}');
        expect(kv.createRevision).toBe(kv.modRevision);
        expect(kv.modRevision).toBe(await store.currentRevision());
        expect(await store.get('/registry/pods/default/a')).toEqual(kv);
      });

      it('refuses to create a key that exists, with AlreadyExists', async () => {
        const store = await fresh();
        await store.create('/k', 'v1');
        expect(await codeOf(store.create('/k', 'v2'))).toBe('AlreadyExists');
        expect((await store.get('/k'))?.value).toBe('v1');
      });

      it('updates a key at its current revision and keeps its create revision', async () => {
        const store = await fresh();
        const created = await store.create('/k', 'v1');
        const updated = await store.update('/k', 'v2', created.modRevision);
        expect(updated).toEqual({ ...created, value: 'v2', modRevision: updated.modRevision });
        expect(updated.modRevision).toBeGreaterThan(created.modRevision);
        expect(await store.get('/k')).toEqual(updated);
      });

      it('rejects an update at a stale revision with Conflict carrying the current KV', async () => {
        const store = await fresh();
        const created = await store.create('/k', 'v1');
        const updated = await store.update('/k', 'v2', created.modRevision);
        const err = await store.update('/k', 'v3', created.modRevision).catch((e: StoreError) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('Conflict');
        expect((err as StoreError).current).toEqual(updated);
      });

      it('updates unconditionally when the expected revision is 0', async () => {
        const store = await fresh();
        await store.create('/k', 'v1');
        await store.update('/k', 'v2', 0);
        expect((await store.update('/k', 'v3', 0)).value).toBe('v3');
      });

      it('rejects an update of a missing key with NotFound, conditional or not', async () => {
        const store = await fresh();
        expect(await codeOf(store.update('/missing', 'v', 0))).toBe('NotFound');
        expect(await codeOf(store.update('/missing', 'v', 5))).toBe('NotFound');
      });

      it('deletes at the current revision and returns the last value at the deletion revision', async () => {
        const store = await fresh();
        const kv = await store.create('/k', 'v1');
        const deleted = await store.delete('/k', kv.modRevision);
        expect(deleted.key).toBe('/k');
        expect(deleted.value).toBe('v1');
        expect(deleted.createRevision).toBe(kv.createRevision);
        expect(deleted.modRevision).toBeGreaterThan(kv.modRevision);
        expect(deleted.modRevision).toBe(await store.currentRevision());
        expect(await store.get('/k')).toBeUndefined();
      });

      it('rejects a delete at a stale revision with Conflict and keeps the key', async () => {
        const store = await fresh();
        const kv = await store.create('/k', 'v1');
        await store.update('/k', 'v2', kv.modRevision);
        expect(await codeOf(store.delete('/k', kv.modRevision))).toBe('Conflict');
        expect((await store.get('/k'))?.value).toBe('v2');
      });

      it('deletes unconditionally without a revision and rejects deleting a missing key', async () => {
        const store = await fresh();
        await store.create('/k', 'v1');
        await store.delete('/k');
        expect(await codeOf(store.delete('/k'))).toBe('NotFound');
        expect(await codeOf(store.delete('/k', 3))).toBe('NotFound');
      });

      it('gives a re-created key a new create revision', async () => {
        const store = await fresh();
        const first = await store.create('/k', 'v1');
        await store.delete('/k');
        const second = await store.create('/k', 'v2');
        expect(second.createRevision).toBeGreaterThan(first.createRevision);
        expect(second.createRevision).toBe(second.modRevision);
      });
    });

    describe('revisions', () => {
      it('advances one global revision across keys, and failed writes do not advance it', async () => {
        const store = await fresh();
        const start = await store.currentRevision();
        const a = await store.create('/a', '1');
        const b = await store.create('/b', '1');
        const a2 = await store.update('/a', '2', a.modRevision);
        expect(a.modRevision).toBeGreaterThan(start);
        expect(b.modRevision).toBeGreaterThan(a.modRevision);
        expect(a2.modRevision).toBeGreaterThan(b.modRevision);
        await codeOf(store.create('/a', 'x'));
        await codeOf(store.update('/b', 'x', a.modRevision));
        expect(await store.currentRevision()).toBe(a2.modRevision);
      });
    });

    listTests(fresh);
    watchTests(fresh);
    compactionTests(fresh);
    concurrencyTests(fresh);
  });
}

function listTests(fresh: () => Promise<Store>): void {
  describe('list and count', () => {
    const seed = async (store: Store) => {
      for (const name of ['c', 'a', 'e', 'b', 'd']) await store.create(`/registry/pods/ns1/${name}`, name);
      await store.create('/registry/pods/ns10/x', 'x');
      await store.create('/registry/pods/ns2/y', 'y');
      await store.create('/registry/services/ns1/s', 's');
    };
    const keys = (items: KV[]) => items.map((kv) => kv.key.split('/').pop());

    it('lists keys under a prefix in key order, excluding sibling prefixes', async () => {
      const store = await fresh();
      await seed(store);
      const result = await store.list('/registry/pods/ns1/');
      expect(keys(result.items)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(result.more).toBe(false);
      expect(result.revision).toBe(await store.currentRevision());
      expect(keys((await store.list('/registry/pods/')).items)).toEqual(['a', 'b', 'c', 'd', 'e', 'x', 'y']);
    });

    it('pages with limit and startAfter, reporting whether more keys follow', async () => {
      const store = await fresh();
      await seed(store);
      const first = await store.list('/registry/pods/ns1/', { limit: 2 });
      expect(keys(first.items)).toEqual(['a', 'b']);
      expect(first.more).toBe(true);
      const second = await store.list('/registry/pods/ns1/', { limit: 2, startAfter: first.items[1].key });
      expect(keys(second.items)).toEqual(['c', 'd']);
      const third = await store.list('/registry/pods/ns1/', { limit: 2, startAfter: second.items[1].key });
      expect(keys(third.items)).toEqual(['e']);
      expect(third.more).toBe(false);
      const exact = await store.list('/registry/pods/ns1/', { limit: 5 });
      expect(exact.more).toBe(false);
    });

    it('pages a consistent snapshot at a revision while writes happen between pages', async () => {
      const store = await fresh();
      await seed(store);
      const first = await store.list('/registry/pods/ns1/', { limit: 2 });
      const at = first.revision;
      await store.create('/registry/pods/ns1/bb', 'new');
      await store.delete('/registry/pods/ns1/c');
      const d = (await store.get('/registry/pods/ns1/d'))!;
      await store.update('/registry/pods/ns1/d', 'changed', d.modRevision);
      const rest = await store.list('/registry/pods/ns1/', { startAfter: first.items[1].key, revision: at });
      expect(rest.revision).toBe(at);
      expect(keys(rest.items)).toEqual(['c', 'd', 'e']);
      expect(rest.items.find((kv) => kv.key.endsWith('/d'))).toEqual(d);
      const latest = await store.list('/registry/pods/ns1/');
      expect(keys(latest.items)).toEqual(['a', 'b', 'bb', 'd', 'e']);
    });

    it('counts keys under a prefix at the latest revision', async () => {
      const store = await fresh();
      await seed(store);
      expect(await store.count('/registry/pods/ns1/')).toBe(5);
      expect(await store.count('/registry/pods/')).toBe(7);
      await store.delete('/registry/pods/ns1/a');
      expect(await store.count('/registry/pods/ns1/')).toBe(4);
      expect(await store.count('/registry/nothing/')).toBe(0);
    });
  });
}

function watchTests(fresh: () => Promise<Store>): void {
  describe('watch', () => {
    it('replays history after the revision, then streams live changes, in order', async () => {
      const store = await fresh();
      const a = await store.create('/w/a', '1');
      const a2 = await store.update('/w/a', '2', a.modRevision);
      await store.create('/other/z', 'z');
      const w = collect(store, '/w/', a.modRevision);
      await w.until(1);
      const b = await store.create('/w/b', '1');
      const deleted = await store.delete('/w/a');
      await w.until(3);
      await sleep(50);
      w.watch.close();
      expect(w.events.map(brief)).toEqual([
        `put /w/a=2@${a2.modRevision}`,
        `put /w/b=1@${b.modRevision}`,
        `delete /w/a=2@${deleted.modRevision}`,
      ]);
      expect(w.events[0].prevKv).toEqual(a);
      expect(w.events[1].prevKv).toBeUndefined();
      expect(w.events[2].prevKv).toEqual(a2);
      expect(w.events[2].kv.createRevision).toBe(a.createRevision);
    });

    it('replays deletes with their previous value', async () => {
      const store = await fresh();
      const a = await store.create('/w/a', 'last');
      const start = await store.currentRevision();
      await store.delete('/w/a');
      const w = collect(store, '/w/', start);
      await w.until(1);
      w.watch.close();
      expect(w.events[0].type).toBe('delete');
      expect(w.events[0].kv.value).toBe('last');
      expect(w.events[0].prevKv).toEqual(a);
    });

    it('stops delivering after close', async () => {
      const store = await fresh();
      const w = collect(store, '/w/', await store.currentRevision());
      await store.create('/w/a', '1');
      await w.until(1);
      w.watch.close();
      await store.create('/w/b', '1');
      await sleep(100);
      expect(w.events).toHaveLength(1);
    });

    it('delivers every change exactly once when writes race with the watch start', async () => {
      const store = await fresh();
      const start = await store.currentRevision();
      const writes = Array.from({ length: 50 }, (_, i) => store.create(`/race/${i}`, String(i)));
      const w = collect(store, '/race/', start);
      writes.push(...Array.from({ length: 50 }, (_, i) => store.create(`/race/${50 + i}`, String(i))));
      const kvs = await Promise.all(writes);
      await w.until(100);
      await sleep(50);
      w.watch.close();
      const revs = w.events.map((e) => e.kv.modRevision);
      expect(revs).toEqual([...revs].sort((x, y) => x - y));
      expect(new Set(revs)).toEqual(new Set(kvs.map((kv) => kv.modRevision)));
      expect(revs).toHaveLength(100);
    });
  });
}

function compactionTests(fresh: () => Promise<Store>): void {
  describe('compaction', () => {
    it('fails a watch from before the compacted revision with Gone', async () => {
      const store = await fresh();
      const a = await store.create('/c/a', '1');
      await store.update('/c/a', '2', a.modRevision);
      const rev = await store.currentRevision();
      await store.compact(rev);
      expect(await store.compactedRevision()).toBeGreaterThanOrEqual(rev);
      const err = await collect(store, '/c/', a.modRevision - 1).failure;
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('Gone');
    });

    it('fails a list at a compacted revision with Gone but still reads at the compacted revision', async () => {
      const store = await fresh();
      const a = await store.create('/c/a', '1');
      const b = await store.create('/c/b', '1');
      const a2 = await store.update('/c/a', '2', a.modRevision);
      await store.delete('/c/b');
      const compactAt = a2.modRevision;
      await store.create('/c/c', '1');
      await store.compact(compactAt);
      expect(await codeOf(store.list('/c/', { revision: a.modRevision }))).toBe('Gone');
      const snapshot = await store.list('/c/', { revision: compactAt });
      expect(snapshot.items).toEqual([a2, b]);
      expect((await store.list('/c/')).items.map((kv) => kv.key)).toEqual(['/c/a', '/c/c']);
    });

    it('treats compacting at or below the compacted revision as a no-op and refuses the future', async () => {
      const store = await fresh();
      const a = await store.create('/c/a', '1');
      const b = await store.create('/c/b', '1');
      await store.compact(b.modRevision);
      await store.compact(a.modRevision);
      await store.compact(b.modRevision);
      expect(await store.compactedRevision()).toBeGreaterThanOrEqual(b.modRevision);
      expect((await store.list('/c/', { revision: b.modRevision })).items).toEqual([a, b]);
      await expect(store.compact((await store.currentRevision()) + 1000)).rejects.toThrow();
    });

    it('keeps history after the compacted revision watchable with prevKv', async () => {
      const store = await fresh();
      const a = await store.create('/c/a', '1');
      const compactAt = await store.currentRevision();
      const a2 = await store.update('/c/a', '2', a.modRevision);
      await store.delete('/c/a');
      await store.compact(compactAt);
      const w = collect(store, '/c/', compactAt);
      await w.until(2);
      w.watch.close();
      expect(w.events.map((e) => e.type)).toEqual(['put', 'delete']);
      expect(w.events[0].prevKv).toEqual(a);
      expect(w.events[1].prevKv).toEqual(a2);
    });
  });
}

function concurrencyTests(fresh: () => Promise<Store>): void {
  describe('concurrency', () => {
    it('commits many concurrent creates, each with a distinct revision', async () => {
      const store = await fresh();
      const kvs = await Promise.all(
        Array.from({ length: 300 }, (_, i) => store.create(`/many/${String(i).padStart(4, '0')}`, `v${i}`)),
      );
      expect(new Set(kvs.map((kv) => kv.modRevision)).size).toBe(300);
      expect(await store.count('/many/')).toBe(300);
      const listed = await store.list('/many/');
      expect(listed.items.map((kv) => kv.value)).toEqual(kvs.map((kv) => kv.value));
    });

    it('lets exactly one of many racing updates at the same revision win', async () => {
      const store = await fresh();
      const kv = await store.create('/race', '0');
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.update('/race', `w${i}`, kv.modRevision)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost.every((r) => r.reason instanceof StoreError && r.reason.code === 'Conflict')).toBe(true);
    });
  });
}
