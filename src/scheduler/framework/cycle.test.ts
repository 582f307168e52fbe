import { describe, expect, it } from 'vitest';
import { defaultProfile } from '../plugins/index.js';
import { Framework, numFeasibleNodesToFind } from './cycle.js';
import { fitErrorMessage } from './diagnosis.js';
import { PodInfo } from './pod-info.js';
import { node, pod, snapshotOf } from './testing.js';
import { rejection } from './types.js';

const fw = () => new Framework(defaultProfile(), () => 0.5);

describe('scheduling cycle', () => {
  const cases = [
    {
      name: 'pod tolerating the taint lands on the tainted node',
      nodes: [
        node('plain').cap({ cpu: '1' }).build(),
        node('gpu').taint('dedicated', 'gpu', 'NoSchedule').build(),
      ],
      pod: pod().req({ cpu: '2' }).tolerate({ key: 'dedicated', operator: 'Exists' }).build(),
      want: 'gpu',
    },
    {
      name: 'pod with a nodeSelector lands on the only matching node',
      nodes: [node('n1').build(), node('n2').label('disk', 'ssd').build(), node('n3').build()],
      pod: pod().nodeSelector({ disk: 'ssd' }).build(),
      want: 'n2',
    },
    {
      name: 'pod lands on the least allocated node',
      nodes: [node('n1').build(), node('n2').build()],
      existing: [pod('x').req({ cpu: '3', memory: '8Gi' }).on('n1').build()],
      pod: pod().req({ cpu: '500m' }).build(),
      want: 'n2',
    },
    {
      name: 'pod preferring a node affinity lands there when it fits',
      nodes: [node('n1').build(), node('n2').zone('b').build()],
      pod: pod()
        .preferNode(100, { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b'] })
        .build(),
      want: 'n2',
    },
    {
      name: 'pod with anti-affinity to its peers avoids their host',
      nodes: [node('n1').build(), node('n2').build()],
      existing: [pod('peer').label('app', 'web').on('n2').build()],
      pod: pod().label('app', 'web').podAffinity('anti', 'kubernetes.io/hostname', { app: 'web' }).build(),
      want: 'n1',
    },
    {
      name: 'cordoned nodes are skipped',
      nodes: [node('n1').unschedulable().build(), node('n2').cap({ cpu: '1' }).build()],
      pod: pod().build(),
      want: 'n2',
    },
  ];
  it.each(cases)('$name', ({ nodes, existing, pod: p, want }) => {
    const r = fw().schedule(new PodInfo(p), snapshotOf(nodes, existing ?? []));
    expect(r.ok && r.node.name).toBe(want);
  });

  it('explains a pod that fits nowhere in Kubernetes words', () => {
    const nodes = [
      node('m1').taint('node-role', 'master', 'NoSchedule').build(),
      node('m2').taint('node-role', 'master', 'NoSchedule').build(),
      node('s1').cap({ cpu: '1' }).build(),
      node('s2').cap({ cpu: '1' }).build(),
      node('s3').cap({ cpu: '1' }).build(),
      node('c1').unschedulable().build(),
    ];
    const r = fw().schedule(new PodInfo(pod().req({ cpu: '2' }).build()), snapshotOf(nodes));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(fitErrorMessage(r.diagnosis)).toBe(
      '0/6 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint {node-role: master}, 3 Insufficient cpu.',
    );
    expect(
      fitErrorMessage(
        r.diagnosis,
        'preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.',
      ),
    ).toBe(
      '0/6 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint {node-role: master}, 3 Insufficient cpu. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod..',
    );
  });

  it('sorts the histogram as strings, as Go sort.Strings does', () => {
    const rejections = new Map([
      ['a', rejection('x', 'Insufficient memory')],
      ['b', rejection('x', 'Insufficient memory')],
      ['c', rejection('x', 'Insufficient cpu')],
      ...Array.from({ length: 10 }, (_, i) => [`t${i}`, rejection('x', 'Too many pods')] as const),
    ]);
    expect(fitErrorMessage({ numAllNodes: 13, rejections })).toBe(
      '0/13 nodes are available: 1 Insufficient cpu, 10 Too many pods, 2 Insufficient memory.',
    );
  });

  it('examines only the adaptive share of a big cluster, from a rotating start', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`).build());
    const snap = snapshotOf(nodes);
    const f = fw();
    const first = f.schedule(new PodInfo(pod().build()), snap);
    const second = f.schedule(new PodInfo(pod().build()), snap);
    expect(first.ok && first.evaluated).toBe(420);
    // The second cycle starts where the first stopped, so it sees other nodes.
    expect(second.ok && second.node.name).not.toBe(first.ok && first.node.name);
  });

  const shares = [
    { nodes: 50, want: 50 },
    { nodes: 100, want: 100 },
    { nodes: 1000, want: 420 },
    { nodes: 5000, want: 500 },
    { nodes: 20_000, want: 1000 },
  ];
  it.each(shares)('numFeasibleNodesToFind($nodes) is $want', ({ nodes, want }) => {
    expect(numFeasibleNodesToFind(nodes)).toBe(want);
  });
});
