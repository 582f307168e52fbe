/** The ServiceAccount controller against a real API server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import { isReason } from '../../api/errors.js';
import { serviceAccountController, wantsDefaultAccount } from './index.js';

describe('wantsDefaultAccount', () => {
  const cases = [
    {
      name: 'an active namespace wants one',
      ns: { metadata: { name: 'a' }, status: { phase: 'Active' } },
      want: true,
    },
    {
      name: 'a terminating namespace does not',
      ns: { metadata: { name: 'a' }, status: { phase: 'Terminating' } },
      want: false,
    },
    {
      name: 'a namespace marked for deletion does not',
      ns: { metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' } },
      want: false,
    },
    { name: 'a missing namespace does not', ns: undefined, want: false },
  ];
  for (const c of cases) it(c.name, () => expect(wantsDefaultAccount(c.ns)).toBe(c.want));
});

describe('serviceaccount controller', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer([serviceAccountController]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a default ServiceAccount in a new namespace and re-creates it when deleted', async () => {
    const sas = t.client.resource('', 'v1', 'serviceaccounts');
    await t.client
      .resource('', 'v1', 'namespaces')
      .create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    const first = await waitFor(() => sas.get('team-a', 'default'), 10_000, 'default SA');
    await sas.delete('team-a', 'default');
    const second = await waitFor(
      async () => {
        const sa = await sas.get('team-a', 'default');
        return sa.metadata.uid !== first.metadata.uid ? sa : undefined;
      },
      10_000,
      'default SA re-created',
    );
    expect(second!.metadata.name).toBe('default');
  });

  it('covers namespaces that existed before it started', async () => {
    await waitFor(
      () => t.client.resource('', 'v1', 'serviceaccounts').get('kube-system', 'default'),
      10_000,
      'kube-system SA',
    );
  });

  it('does not create one in a terminating namespace', async () => {
    const namespaces = t.client.resource('', 'v1', 'namespaces');
    const sas = t.client.resource('', 'v1', 'serviceaccounts');
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await waitFor(() => sas.get('doomed', 'default'), 10_000, 'doomed SA');
    await namespaces.delete('', 'doomed');
    await waitFor(
      async () => {
        try {
          await namespaces.get('', 'doomed');
          return false;
        } catch (err) {
          return isReason(err, 'NotFound');
        }
      },
      10_000,
      'namespace gone',
    );
    await new Promise((r) => setTimeout(r, 200));
    await expect(sas.get('doomed', 'default')).rejects.toMatchObject({ reason: 'NotFound' });
  });
});
