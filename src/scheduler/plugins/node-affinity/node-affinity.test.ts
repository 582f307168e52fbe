import { describe, expect, it } from 'vitest';
import { filterOutcome, node, pod, scoreOutcome, snapshotOf } from '../../framework/testing.js';
import { nodeAffinityFilter, nodeAffinityScore, reasonNodeAffinity } from './node-affinity.js';

describe('NodeAffinity', () => {
  const ssd = node('n1').label('disk', 'ssd').label('cores', '16').build();
  const cases = [
    { name: 'a matching nodeSelector fits', pod: pod().nodeSelector({ disk: 'ssd' }).build(), want: 'fits' },
    {
      name: 'a nodeSelector for another value does not fit',
      pod: pod().nodeSelector({ disk: 'hdd' }).build(),
      want: reasonNodeAffinity,
    },
    {
      name: 'required In matches',
      pod: pod()
        .requireNode({ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] })
        .build(),
      want: 'fits',
    },
    {
      name: 'required NotIn excludes',
      pod: pod()
        .requireNode({ key: 'disk', operator: 'NotIn', values: ['ssd'] })
        .build(),
      want: reasonNodeAffinity,
    },
    {
      name: 'required DoesNotExist excludes labelled nodes',
      pod: pod().requireNode({ key: 'disk', operator: 'DoesNotExist' }).build(),
      want: reasonNodeAffinity,
    },
    {
      name: 'required Gt compares integers',
      pod: pod()
        .requireNode({ key: 'cores', operator: 'Gt', values: ['8'] })
        .build(),
      want: 'fits',
    },
    {
      name: 'required Lt compares integers',
      pod: pod()
        .requireNode({ key: 'cores', operator: 'Lt', values: ['8'] })
        .build(),
      want: reasonNodeAffinity,
    },
    {
      name: 'terms are ORed: one matching term is enough',
      pod: pod()
        .requireNode({ key: 'disk', operator: 'In', values: ['hdd'] })
        .requireNode({ key: 'disk', operator: 'Exists' })
        .build(),
      want: 'fits',
    },
    {
      name: 'nodeSelector and affinity must both match',
      pod: pod().nodeSelector({ disk: 'ssd' }).requireNode({ key: 'zone', operator: 'Exists' }).build(),
      want: reasonNodeAffinity,
    },
  ];
  it.each(cases)('$name', ({ pod: p, want }) => {
    expect(filterOutcome(nodeAffinityFilter, p, 'n1', snapshotOf([ssd]))).toBe(want);
  });

  it('scores preferred terms by their summed weights', () => {
    const snap = snapshotOf([
      node('a').label('disk', 'ssd').label('gpu', 'yes').build(),
      node('b').label('disk', 'ssd').build(),
      node('c').build(),
    ]);
    const p = pod()
      .preferNode(30, { key: 'disk', operator: 'In', values: ['ssd'] })
      .preferNode(10, { key: 'gpu', operator: 'Exists' })
      .build();
    expect(scoreOutcome(nodeAffinityScore, p, snap)).toEqual({ a: 100, b: 75, c: 0 });
  });
});
