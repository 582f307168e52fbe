/**
 * The scheduler against a real API server (DESIGN.md convention 7): nodes and pods are created
 * through the client, and the test watches spec.nodeName, events and the PodScheduled condition.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../test/support/in-process-server.js';
import type { KObject } from '../api/object.js';
import { node, pod } from './framework/testing.js';
import { schedulerController } from './index.js';

type K<T> = T & KObject;

describe('scheduler controller', () => {
  let ts: TestServer;
  const pods = () => ts.client.resource<K<Pod>>('', 'v1', 'pods');
  const events = () => ts.client.resource('', 'v1', 'events');

  async function createNode(n: Node): Promise<void> {
    const nodes = ts.client.resource<K<Node>>('', 'v1', 'nodes');
    const created = await nodes.create('', n as K<Node>);
    await nodes.updateStatus('', { ...created, status: n.status });
  }

  async function eventsFor(name: string, reason: string): Promise<string[]> {
    const list = await events().list('default');
    return list.items
      .filter((e) => (e.involvedObject as { name?: string }).name === name && e.reason === reason)
      .map((e) => e.message as string);
  }

  beforeAll(async () => {
    ts = await startTestServer([schedulerController]);
    await createNode(node('node-1').cap({ cpu: '2', memory: '4Gi' }).build());
    await createNode(
      node('node-2').cap({ cpu: '2', memory: '4Gi' }).taint('dedicated', 'gpu', 'NoSchedule').build(),
    );
  });

  afterAll(async () => {
    await ts?.close();
  });

  it('binds a pod that fits and records the Scheduled event', async () => {
    await pods().create('default', pod('web-1').req({ cpu: '500m' }).build() as K<Pod>);
    const bound = await waitFor(
      async () => (await pods().get('default', 'web-1')).spec?.nodeName,
      10_000,
      'binding',
    );
    expect(bound).toBe('node-1');
    const scheduled = await waitFor(
      () => eventsFor('web-1', 'Scheduled').then((m) => m[0]),
      10_000,
      'Scheduled event',
    );
    expect(scheduled).toBe('Successfully assigned default/web-1 to node-1');
  });

  it('a pod tolerating the taint may land on the tainted node', async () => {
    const p = pod('gpu-1').req({ cpu: '1800m' }).tolerate({ key: 'dedicated', operator: 'Exists' }).build();
    await pods().create('default', p as K<Pod>);
    const bound = await waitFor(
      async () => (await pods().get('default', 'gpu-1')).spec?.nodeName,
      10_000,
      'binding',
    );
    expect(bound).toBe('node-2');
  });

  it('leaves a pod that fits nowhere Pending with FailedScheduling and PodScheduled=False', async () => {
    await pods().create('default', pod('huge').req({ cpu: '8' }).build() as K<Pod>);
    const want =
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. ' +
      'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling..';
    const message = await waitFor(
      () => eventsFor('huge', 'FailedScheduling').then((m) => m[0]),
      10_000,
      'FailedScheduling',
    );
    expect(message).toBe(want);
    const condition = await waitFor(
      async () =>
        (await pods().get('default', 'huge')).status?.conditions?.find((c) => c.type === 'PodScheduled'),
      10_000,
      'PodScheduled condition',
    );
    expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable', message: want });
    expect((await pods().get('default', 'huge')).spec?.nodeName).toBeUndefined();
  });

  it('schedules the pending pod once a big enough node joins', async () => {
    await createNode(node('node-3').cap({ cpu: '16', memory: '64Gi' }).build());
    const bound = await waitFor(
      async () => (await pods().get('default', 'huge')).spec?.nodeName,
      10_000,
      'binding',
    );
    expect(bound).toBe('node-3');
  });

  it('preempts a lower-priority pod for a higher-priority one', async () => {
    await createNode(node('small').cap({ cpu: '1', memory: '1Gi' }).label('pool', 'small').build());
    const low = pod('low').req({ cpu: '800m' }).nodeSelector({ pool: 'small' }).priority(1).build();
    await pods().create('default', low as K<Pod>);
    await waitFor(async () => (await pods().get('default', 'low')).spec?.nodeName, 10_000, 'low bound');
    const high = pod('high').req({ cpu: '800m' }).nodeSelector({ pool: 'small' }).priority(1000).build();
    await pods().create('default', high as K<Pod>);
    const preempted = await waitFor(
      () => eventsFor('low', 'Preempted').then((m) => m[0]),
      10_000,
      'Preempted event',
    );
    expect(preempted).toMatch(/^Preempted by pod .+ on node small$/);
    // The victim terminates gracefully; with no agent here, the test finishes it as an agent would.
    await waitFor(
      async () => (await pods().get('default', 'low')).metadata.deletionTimestamp,
      10_000,
      'victim deleting',
    );
    const nominated = await waitFor(
      async () => (await pods().get('default', 'high')).status?.nominatedNodeName,
      10_000,
      'nominated',
    );
    expect(nominated).toBe('small');
    await pods().delete('default', 'low', { gracePeriodSeconds: 0 });
    const bound = await waitFor(
      async () => (await pods().get('default', 'high')).spec?.nodeName,
      15_000,
      'high bound',
    );
    expect(bound).toBe('small');
  });
});
