/**
 * The Endpoints and EndpointSlice controllers against a real API server; the test plays the
 * kubelet by writing pod IPs and Ready conditions.
 */
import type { Endpoints, Pod } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { endpointSliceController, endpointsController } from './index.js';

type P = Pod & KObject;
let t: TestServer;
let pods: ResourceClient<P>;
let eps: ResourceClient<Endpoints & KObject>;
let slices: ResourceClient<EndpointSlice & KObject>;

beforeAll(async () => {
  t = await startTestServer([endpointsController, endpointSliceController]);
  pods = t.client.resource<P>('', 'v1', 'pods');
  eps = t.client.resource('', 'v1', 'endpoints');
  slices = t.client.resource('discovery.k8s.io', 'v1', 'endpointslices');
});
afterAll(async () => {
  await t?.close();
});

async function runPod(name: string, ip: string, ready: boolean): Promise<void> {
  await pods.create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  } as P);
  await setStatus(name, ip, ready);
}

async function setStatus(name: string, ip: string, ready: boolean): Promise<void> {
  const pod = await pods.get('default', name);
  (pod as KObject).status = {
    ...pod.status,
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  };
  await pods.updateStatus('default', pod);
}

const ips = (list?: Array<{ ip: string }>) => (list ?? []).map((a) => a.ip);
const sliceOf = async () =>
  (await slices.list('default', { labelSelector: 'kubernetes.io/service-name=web' })).items;

describe('endpoints controllers', () => {
  it('publish the selected pods, follow readiness, and clean up with the service', async () => {
    await runPod('web-1', '10.42.0.11', true);
    await runPod('web-2', '10.42.0.12', false);
    await pods.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'no-ip', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    } as P);
    const svc = await t.client.resource('', 'v1', 'services').create('default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });

    const first = await waitFor(
      async () => {
        const e = await eps.get('default', 'web');
        return e.subsets?.[0]?.notReadyAddresses ? e : undefined;
      },
      10_000,
      'endpoints',
    );
    expect(first!.metadata.labels).toEqual({ tier: 'front' });
    expect(first!.subsets).toEqual([
      {
        addresses: [
          {
            ip: '10.42.0.11',
            nodeName: 'n1',
            targetRef: expect.objectContaining({ kind: 'Pod', name: 'web-1' }),
          },
        ],
        notReadyAddresses: [
          { ip: '10.42.0.12', nodeName: 'n1', targetRef: expect.objectContaining({ name: 'web-2' }) },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);

    const found = await waitFor(
      async () => {
        const s = await sliceOf();
        return s.length === 1 && s[0].endpoints?.length === 2 ? s : undefined;
      },
      10_000,
      'slice',
    );
    const slice = found![0];
    expect(slice.metadata.labels).toMatchObject({
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice.addressType).toBe('IPv4');
    expect(slice.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: 'web',
        uid: svc.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready])).toEqual([
      ['10.42.0.11', true],
      ['10.42.0.12', false],
    ]);

    await setStatus('web-2', '10.42.0.12', true);
    await waitFor(
      async () => ips((await eps.get('default', 'web')).subsets?.[0]?.addresses).length === 2,
      10_000,
      'both ready',
    );
    await waitFor(
      async () => (await sliceOf())[0].endpoints?.every((e) => e.conditions?.ready),
      10_000,
      'slice ready',
    );

    await pods.delete('default', 'web-1', { gracePeriodSeconds: 0 });
    await waitFor(
      async () => ips((await eps.get('default', 'web')).subsets?.[0]?.addresses).join() === '10.42.0.12',
      10_000,
      'web-1 gone',
    );
    await waitFor(async () => (await sliceOf())[0].endpoints?.length === 1, 10_000, 'slice shrinks');

    await t.client.resource('', 'v1', 'services').delete('default', 'web');
    await waitFor(
      async () => {
        try {
          await eps.get('default', 'web');
          return false;
        } catch (err) {
          return isReason(err, 'NotFound');
        }
      },
      10_000,
      'endpoints deleted with the service',
    );
  });
});
