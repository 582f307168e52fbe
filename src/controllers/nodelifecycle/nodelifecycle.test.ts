/**
 * The node lifecycle and taint eviction controllers against a real API server, with a two-second
 * grace period. The test plays the node agents: it renews Leases and writes node and pod status.
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { nodeLifecycleController, taintEvictionController } from './index.js';

type N = Node & KObject;
type P = Pod & KObject;

let t: TestServer;
let nodes: ResourceClient<N>;
let pods: ResourceClient<P>;
let leases: ResourceClient;
const beating = new Map<string, NodeJS.Timeout>();

const iso = () => new Date().toISOString().replace(/\.(\d{3})\d*Z$/, '.$1000Z');

beforeAll(async () => {
  t = await startTestServer([nodeLifecycleController, taintEvictionController], {
    nodeMonitorGracePeriodSeconds: 2,
  });
  nodes = t.client.resource<N>('', 'v1', 'nodes');
  pods = t.client.resource<P>('', 'v1', 'pods');
  leases = t.client.resource('coordination.k8s.io', 'v1', 'leases');
});
afterAll(async () => {
  for (const timer of beating.values()) clearInterval(timer);
  await t?.close();
});

async function addNode(name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ready = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  };
  await nodes.create('', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { conditions: [ready] },
  } as N);
  await leases.create('kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: iso() },
  });
  startHeartbeat(name);
}

function startHeartbeat(name: string): void {
  const timer = setInterval(() => {
    void leases.patch('kube-node-lease', name, 'merge', { spec: { renewTime: iso() } }).catch(() => {});
  }, 200);
  beating.set(name, timer);
}

function stopHeartbeat(name: string): void {
  clearInterval(beating.get(name));
  beating.delete(name);
}

async function readyPod(name: string, node: string, tolerationSeconds?: number): Promise<void> {
  const tolerations = [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds },
  ];
  await pods.create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], tolerations },
  } as P);
  const pod = await pods.get('default', name);
  (pod as KObject).status = {
    ...pod.status,
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
  };
  await pods.updateStatus('default', pod);
}

const taintKeys = (n: N) => (n.spec?.taints ?? []).map((x: Taint) => `${x.key}:${x.effect}`).sort();
const podReady = (p: P) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

describe('node lifecycle', () => {
  it('marks a silent node Unknown and tainted, its pods not ready, and evicts after tolerationSeconds', async () => {
    await addNode('alive');
    await addNode('silent');
    await readyPod('short', 'silent', 1);
    await readyPod('forever', 'silent');
    await readyPod('elsewhere', 'alive', 1);
    stopHeartbeat('silent');

    const silent = await waitFor(
      async () => {
        const n = await nodes.get('', 'silent');
        return taintKeys(n).length === 2 ? n : undefined;
      },
      10_000,
      'silent node tainted',
    );
    expect(taintKeys(silent!)).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    expect(silent!.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    await waitFor(
      async () => podReady(await pods.get('default', 'forever')) === 'False',
      10_000,
      'pod marked not ready',
    );

    // One second after the taint, the pod tolerating it for 1 s is evicted (graceful: it is bound).
    await waitFor(
      async () => !!(await pods.get('default', 'short')).metadata.deletionTimestamp,
      10_000,
      'short evicted',
    );
    const forever = await pods.get('default', 'forever');
    expect(forever.metadata.deletionTimestamp).toBeUndefined();
    const elsewhere = await pods.get('default', 'elsewhere');
    expect(elsewhere.metadata.deletionTimestamp).toBeUndefined();
    expect(podReady(elsewhere)).toBe('True');
    expect(taintKeys(await nodes.get('', 'alive'))).toEqual([]);

    const events = await t.client.resource('', 'v1', 'events').list('default');
    expect(events.items.map((e) => `${e.reason}: ${e.message}`)).toContain(
      'TaintManagerEviction: Marking for deletion Pod default/short',
    );
  });

  it('removes the taints when the node heartbeats again and reports Ready', async () => {
    const node = await nodes.get('', 'silent');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    (node as KObject).status = {
      ...node.status,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    };
    await nodes.updateStatus('', node);
    startHeartbeat('silent');
    await waitFor(
      async () => taintKeys(await nodes.get('', 'silent')).length === 0,
      10_000,
      'taints removed',
    );
  });

  it('evicts at once a pod that does not tolerate a NoExecute taint', async () => {
    await addNode('maint');
    await readyPod('victim', 'maint');
    const node = await nodes.get('', 'maint');
    node.spec = { ...node.spec, taints: [{ key: 'example.com/maintenance', effect: 'NoExecute' }] };
    await nodes.update('', node);
    await waitFor(
      async () => !!(await pods.get('default', 'victim')).metadata.deletionTimestamp,
      10_000,
      'victim evicted',
    );
  });
});
