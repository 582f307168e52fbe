import type { Node, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { pinToNode, placement, tolerates, withDaemonTolerations } from './eligibility.js';

const node = (labels: Record<string, string> = {}, taints: Taint[] = [], name = 'n1'): Node => ({
  metadata: { name, labels },
  spec: { taints },
});
const spec = (extra: Partial<PodSpec> = {}): PodSpec =>
  withDaemonTolerations({ containers: [{ name: 'c', image: 'i' }], ...extra });

describe('DaemonSet node eligibility', () => {
  const cases: Array<{
    name: string;
    spec: PodSpec;
    node: Node;
    shouldRun: boolean;
    shouldContinueRunning: boolean;
  }> = [
    {
      name: 'a plain node runs the daemon',
      spec: spec(),
      node: node(),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'a node without the selected label does not',
      spec: spec({ nodeSelector: { disk: 'ssd' } }),
      node: node({ disk: 'hdd' }),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'a node with the selected label does',
      spec: spec({ nodeSelector: { disk: 'ssd' } }),
      node: node({ disk: 'ssd' }),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'required node affinity NotIn excludes the zone',
      spec: spec({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }],
            },
          },
        },
      }),
      node: node({ zone: 'a' }),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'affinity terms are ORed',
      spec: spec({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
                { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] },
              ],
            },
          },
        },
      }),
      node: node({ zone: 'a', cores: '8' }),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'an untolerated NoSchedule taint keeps new daemons off but lets old ones stay',
      spec: spec(),
      node: node({}, [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }]),
      shouldRun: false,
      shouldContinueRunning: true,
    },
    {
      name: 'an untolerated NoExecute taint evicts the daemon',
      spec: spec(),
      node: node({}, [{ key: 'gpu', effect: 'NoExecute' }]),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'a cordoned node still runs daemons (unschedulable is tolerated)',
      spec: spec(),
      node: node({}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'a not-ready node still runs daemons',
      spec: spec(),
      node: node({}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'a tolerated custom taint does not matter',
      spec: spec({ tolerations: [{ key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }] }),
      node: node({}, [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }]),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'a network-unavailable node runs only host-network daemons',
      spec: spec(),
      node: node({}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
      shouldRun: false,
      shouldContinueRunning: true,
    },
    {
      name: 'a host-network daemon tolerates network-unavailable',
      spec: spec({ hostNetwork: true }),
      node: node({}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
      shouldRun: true,
      shouldContinueRunning: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(placement(c.spec, c.node)).toEqual({
        shouldRun: c.shouldRun,
        shouldContinueRunning: c.shouldContinueRunning,
      });
    });
  }

  it('tolerations match by key, operator, value and effect', () => {
    const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(tolerates({ operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ key: 'k', operator: 'Equal', value: 'v' }, taint)).toBe(true);
    expect(tolerates({ key: 'k', operator: 'Equal', value: 'w' }, taint)).toBe(false);
    expect(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(tolerates({ key: 'other', operator: 'Exists' }, taint)).toBe(false);
  });

  it('adds the standard daemon tolerations once', () => {
    const twice = withDaemonTolerations(withDaemonTolerations({ containers: [] }));
    expect(twice.tolerations?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });

  it('pins a pod to its node with a matchFields term that only that node satisfies', () => {
    const pinned = pinToNode(spec(), 'n2');
    expect(placement(pinned, node({}, [], 'n2')).shouldRun).toBe(true);
    expect(placement(pinned, node({}, [], 'n1')).shouldRun).toBe(false);
  });
});
