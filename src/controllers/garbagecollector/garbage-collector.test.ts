/**
 * The collector against a real API server: background, foreground and orphan propagation, and
 * dependents with more than one owner. The API server's part of foreground and orphan deletion
 * (adding the finalizer on delete) is played here by creating owners with the finalizer set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { garbageCollectorController } from './index.js';

let t: TestServer;
let cms: ResourceClient;
const ns = 'default';

beforeAll(async () => {
  t = await startTestServer([garbageCollectorController]);
  cms = t.client.resource('', 'v1', 'configmaps');
});
afterAll(async () => {
  await t?.close();
});

async function configMap(name: string, meta: Partial<KObject['metadata']> = {}): Promise<KObject> {
  return cms.create(ns, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...meta },
    data: { a: '1' },
  });
}

function ref(owner: KObject, block = false) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    blockOwnerDeletion: block,
  };
}

async function gone(name: string): Promise<boolean> {
  try {
    await cms.get(ns, name);
    return false;
  } catch (err) {
    return isReason(err, 'NotFound');
  }
}

describe('garbage collector', () => {
  it('deletes dependents once their owner is gone (background)', async () => {
    const owner = await configMap('bg-owner');
    const child = await configMap('bg-child', { ownerReferences: [ref(owner)] });
    await configMap('bg-grandchild', { ownerReferences: [ref(child)] });
    await cms.delete(ns, 'bg-owner');
    await waitFor(() => gone('bg-child'), 10_000, 'bg-child deleted');
    await waitFor(() => gone('bg-grandchild'), 10_000, 'bg-grandchild deleted');
  });

  it('deletes an object whose owner never existed', async () => {
    await configMap('dangling', {
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' },
      ],
    });
    await waitFor(() => gone('dangling'), 10_000, 'dangling deleted');
  });

  it('keeps a dependent with a living owner and drops only the gone owner', async () => {
    const a = await configMap('multi-a');
    const b = await configMap('multi-b');
    await configMap('multi-child', { ownerReferences: [ref(a), ref(b)] });
    await cms.delete(ns, 'multi-a');
    const child = await waitFor(async () => {
      const c = await cms.get(ns, 'multi-child');
      return c.metadata.ownerReferences?.length === 1 ? c : undefined;
    });
    expect(child!.metadata.ownerReferences?.[0].uid).toBe(b.metadata.uid);
  });

  it('holds a foreground-deleted owner until its blocking dependents are gone', async () => {
    const owner = await configMap('fg-owner', { finalizers: ['foregroundDeletion'] });
    // The dependent's own finalizer keeps it Terminating, so the test can see the owner wait.
    await configMap('fg-child', { ownerReferences: [ref(owner, true)], finalizers: ['example.com/hold'] });
    await cms.delete(ns, 'fg-owner');
    await waitFor(
      async () => !!(await cms.get(ns, 'fg-child')).metadata.deletionTimestamp,
      10_000,
      'child deleting',
    );
    await new Promise((r) => setTimeout(r, 300));
    const waiting = await cms.get(ns, 'fg-owner');
    expect(waiting.metadata.deletionTimestamp).toBeTruthy();
    expect(waiting.metadata.finalizers).toEqual(['foregroundDeletion']);
    await cms.patch(ns, 'fg-child', 'merge', { metadata: { finalizers: null } });
    await waitFor(() => gone('fg-child'), 10_000, 'fg-child deleted');
    await waitFor(() => gone('fg-owner'), 10_000, 'fg-owner deleted after its dependent');
  });

  it('orphans dependents of an owner deleted with the orphan finalizer', async () => {
    const owner = await configMap('or-owner', { finalizers: ['orphan'] });
    await configMap('or-child', { ownerReferences: [ref(owner)] });
    await cms.delete(ns, 'or-owner');
    await waitFor(() => gone('or-owner'), 10_000, 'or-owner deleted');
    const child = await cms.get(ns, 'or-child');
    expect(child.metadata.ownerReferences ?? []).toEqual([]);
    expect(child.metadata.deletionTimestamp).toBeUndefined();
  });
});
