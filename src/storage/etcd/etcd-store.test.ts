/**
 * Runs the Store conformance suite on the etcd store against a real etcd started for this file,
 * plus what HA needs: two stores (two servers) on one etcd see each other's writes and watches,
 * and prefixes keep clusters apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type TestEtcd } from '../../../test/support/etcd.js';
import { describeStoreConformance } from '../conformance.js';
import type { Store, WatchEvent } from '../store.js';
import { openEtcdStore } from './etcd-store.js';

let etcd: TestEtcd;
let n = 0;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

describeStoreConformance('etcd', async () =>
  openEtcdStore({ endpoints: [etcd.endpoint], prefix: `/t${n++}` }),
);

describe('etcd store sharing one etcd', () => {
  const stores: Store[] = [];
  const open = (prefix: string) => {
    const store = openEtcdStore({ endpoints: [etcd.endpoint], prefix });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('shows one server the writes and watch events of another on the same prefix', async () => {
    const a = open('/ha');
    const b = open('/ha');
    const events: WatchEvent[] = [];
    const from = await b.currentRevision();
    const seen = new Promise<void>((resolve, reject) => {
      b.watch('/registry/', from, {
        onEvents: (batch) => {
          events.push(...batch);
          if (events.length >= 2) resolve();
        },
        onError: reject,
      });
    });
    const kv = await a.create('/registry/pods/default/p', 'v1');
    expect(await b.get('/registry/pods/default/p')).toEqual(kv);
    await expect(b.create('/registry/pods/default/p', 'v2')).rejects.toMatchObject({ code: 'AlreadyExists' });
    const updated = await b.update('/registry/pods/default/p', 'v2', kv.modRevision);
    await expect(a.update('/registry/pods/default/p', 'v3', kv.modRevision)).rejects.toMatchObject({
      code: 'Conflict',
      current: updated,
    });
    await seen;
    expect(events.map((e) => e.kv.value)).toEqual(['v1', 'v2']);
  });

  it('keeps clusters with different prefixes apart', async () => {
    const one = open('/cluster-one');
    const two = open('/cluster-two');
    await one.create('/registry/x', '1');
    expect(await two.get('/registry/x')).toBeUndefined();
    expect(await two.count('/registry/')).toBe(0);
    expect(await one.count('/registry/')).toBe(1);
  });

  it('reports Unavailable when etcd cannot be reached', async () => {
    const store = openEtcdStore({ endpoints: ['http://127.0.0.1:1'] });
    stores.push(store);
    await expect(store.get('/x')).rejects.toMatchObject({ code: 'Unavailable' });
  });
});
