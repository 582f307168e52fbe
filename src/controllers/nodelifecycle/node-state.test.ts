/** Tests of the node health rules: Unknown conditions, owned taints, heartbeats on an injected clock. */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { HeartbeatTracker, heartbeatSignature } from './heartbeats.js';
import { podNotReadyConditions, reconcileTaints, unknownConditions } from './node-state.js';

const now = new Date('2024-05-01T12:00:00Z');
const earlier = '2024-05-01T11:00:00Z';

function node(ready?: 'True' | 'False' | 'Unknown', spec: Node['spec'] = {}): Node {
  const conditions = ready
    ? [
        {
          type: 'Ready',
          status: ready,
          reason: 'KubeletReady',
          lastHeartbeatTime: earlier,
          lastTransitionTime: earlier,
        },
      ]
    : [];
  return { metadata: { name: 'n1', creationTimestamp: earlier }, spec, status: { conditions } };
}

describe('unknownConditions', () => {
  it('sets Ready and pressure conditions Unknown, keeping the last heartbeat', () => {
    const n = node('True');
    n.status!.conditions!.push(
      { type: 'MemoryPressure', status: 'False' },
      { type: 'NetworkUnavailable', status: 'False' },
    );
    const got = unknownConditions(n, now)!;
    expect(got.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: earlier,
      lastTransitionTime: '2024-05-01T12:00:00Z',
    });
    expect(got.find((c) => c.type === 'MemoryPressure')?.status).toBe('Unknown');
    expect(got.find((c) => c.type === 'NetworkUnavailable')?.status).toBe('False');
  });
  it('changes nothing on a node already Unknown', () => {
    expect(unknownConditions(node('Unknown'), now)).toBeUndefined();
  });
  it('reports a node that never posted status', () => {
    expect(unknownConditions(node(), now)?.[0]).toMatchObject({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
    });
  });
});

describe('reconcileTaints', () => {
  const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: earlier };
  const cases: Array<{ name: string; node: Node; want: unknown }> = [
    { name: 'a ready node needs no taints', node: node('True'), want: undefined },
    {
      name: 'an unknown node gets both unreachable taints',
      node: node('Unknown'),
      want: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' },
      ],
    },
    {
      name: 'a not-ready node gets the not-ready taints',
      node: node('False'),
      want: [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' },
      ],
    },
    {
      name: 'an existing taint keeps its timeAdded',
      node: node('Unknown', { taints: [unreachable] }),
      want: [unreachable, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
    },
    {
      name: 'a recovered node loses the taints but keeps foreign ones',
      node: node('True', { taints: [unreachable, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      want: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    },
    {
      name: 'a cordoned node gets the unschedulable taint',
      node: node('True', { unschedulable: true }),
      want: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
    },
  ];
  for (const c of cases) it(c.name, () => expect(reconcileTaints(c.node, now)).toEqual(c.want));
});

describe('podNotReadyConditions', () => {
  it('turns a Ready pod not ready, once', () => {
    const pod: Pod = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const got = podNotReadyConditions(pod, now)!;
    expect(got[0]).toMatchObject({ status: 'False', lastTransitionTime: '2024-05-01T12:00:00Z' });
    expect(podNotReadyConditions({ status: { conditions: got } }, now)).toBeUndefined();
  });
});

describe('HeartbeatTracker', () => {
  it('measures silence from the last change of lease or status heartbeat, on its own clock', () => {
    const t = new HeartbeatTracker();
    const n = node('True');
    const lease = (renew: string) => ({ spec: { renewTime: renew } });
    const at = (s: number) => new Date(now.getTime() + s * 1000);
    t.observe('n1', heartbeatSignature(n, lease('a')), at(0));
    t.observe('n1', heartbeatSignature(n, lease('a')), at(30));
    expect(t.silentFor('n1', at(30))).toBe(30_000);
    t.observe('n1', heartbeatSignature(n, lease('b')), at(35));
    expect(t.silentFor('n1', at(40))).toBe(5_000);
    t.forget('n1');
    expect(t.silentFor('n1', at(40))).toBe(0);
  });
});
