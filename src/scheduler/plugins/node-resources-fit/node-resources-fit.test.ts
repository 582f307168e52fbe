import { describe, expect, it } from 'vitest';
import { PodInfo } from '../../framework/pod-info.js';
import { filterOutcome, node, pod, scoreOutcome, snapshotOf } from '../../framework/testing.js';
import { balancedAllocationScore } from '../balanced-allocation/balanced-allocation.js';
import { leastAllocatedScore, mostAllocatedScore, nodeResourcesFitFilter } from './node-resources-fit.js';

describe('NodeResourcesFit filter', () => {
  const n1 = node('n1')
    .cap({ cpu: '4', memory: '8Gi', pods: '2', 'ephemeral-storage': '10Gi', 'example.com/gpu': '1' })
    .build();
  const busy = pod('busy').req({ cpu: '3', memory: '4Gi' }).on('n1').build();
  const cases = [
    { name: 'a pod that fits the remaining cpu lands', pod: pod().req({ cpu: '1' }).build(), want: 'fits' },
    {
      name: 'a pod asking more cpu than is left does not fit',
      pod: pod().req({ cpu: '1500m' }).build(),
      want: 'Insufficient cpu',
    },
    { name: 'memory is checked too', pod: pod().req({ memory: '5Gi' }).build(), want: 'Insufficient memory' },
    {
      name: 'every failing resource is reported',
      pod: pod().req({ cpu: '2', memory: '5Gi' }).build(),
      want: 'Insufficient cpu, Insufficient memory',
    },
    {
      name: 'ephemeral-storage is checked',
      pod: pod().req({ 'ephemeral-storage': '11Gi' }).build(),
      want: 'Insufficient ephemeral-storage',
    },
    {
      name: 'an extended resource the node has fits',
      pod: pod().req({ 'example.com/gpu': '1' }).build(),
      want: 'fits',
    },
    {
      name: 'an extended resource beyond allocatable does not',
      pod: pod().req({ 'example.com/gpu': '2' }).build(),
      want: 'Insufficient example.com/gpu',
    },
    {
      name: 'an extended resource the node lacks does not',
      pod: pod().req({ 'example.com/fpga': '1' }).build(),
      want: 'Insufficient example.com/fpga',
    },
    {
      name: 'overhead counts toward the request',
      pod: pod().req({ cpu: '900m' }).overhead({ cpu: '200m' }).build(),
      want: 'Insufficient cpu',
    },
    {
      name: 'a large init container counts as the max',
      pod: pod().req({ cpu: '100m' }).init({ cpu: '2' }).build(),
      want: 'Insufficient cpu',
    },
    {
      name: 'a sidecar adds to the containers',
      pod: pod().req({ cpu: '600m' }).init({ cpu: '600m' }, 'Always').build(),
      want: 'Insufficient cpu',
    },
  ];
  it.each(cases)('$name', ({ pod: p, want }) => {
    expect(filterOutcome(nodeResourcesFitFilter, p, 'n1', snapshotOf([n1], [busy]))).toBe(want);
  });

  it('a full node reports Too many pods even for a best-effort pod', () => {
    const snap = snapshotOf([n1], [busy, pod('other').on('n1').build()]);
    expect(filterOutcome(nodeResourcesFitFilter, pod().build(), 'n1', snap)).toBe('Too many pods');
  });

  it('computes requests as max(containers, init) + sidecars + overhead', () => {
    const p = new PodInfo(
      pod()
        .req({ cpu: '500m', memory: '1Gi' })
        .container({ cpu: '250m' })
        .init({ cpu: '100m' }, 'Always')
        .init({ cpu: '2', memory: '100Mi' })
        .overhead({ cpu: '10m' })
        .build(),
    );
    // containers 750m + sidecar 100m = 850m; init 2 runs with the sidecar: 2100m; + overhead.
    expect(p.cpu).toBe(2110);
    expect(p.memory).toBe(2 ** 30);
    // Best-effort containers count 100m/200Mi for scoring.
    expect(new PodInfo(pod().build()).nonZeroCpu).toBe(100);
  });
});

describe('resource scores', () => {
  const snap = snapshotOf(
    [
      node('empty').cap({ cpu: '4', memory: '4Gi' }).build(),
      node('half').cap({ cpu: '4', memory: '4Gi' }).build(),
    ],
    [pod('x').req({ cpu: '2', memory: '1Gi' }).on('half').build()],
  );
  const p = pod().req({ cpu: '1', memory: '1Gi' }).build();

  it('LeastAllocated prefers the emptier node', () => {
    // empty: cpu (3/4 free) 75, mem 75 → 75; half: cpu 25, mem 50 → 37.
    expect(scoreOutcome(leastAllocatedScore, p, snap)).toEqual({ empty: 75, half: 37 });
  });

  it('MostAllocated prefers the fuller node', () => {
    expect(scoreOutcome(mostAllocatedScore, p, snap)).toEqual({ empty: 25, half: 62 });
  });

  it('BalancedAllocation prefers equal cpu and memory shares', () => {
    // empty: 0.25/0.25 → 100; half: 0.75 cpu / 0.5 memory → std 0.125 → 87.
    expect(scoreOutcome(balancedAllocationScore, p, snap)).toEqual({ empty: 100, half: 87 });
  });
});
