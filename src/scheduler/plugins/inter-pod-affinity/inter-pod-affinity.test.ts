import { describe, expect, it } from 'vitest';
import { filterOutcome, node, pod, scoreOutcome, snapshotOf } from '../../framework/testing.js';
import {
  interPodAffinityFilter,
  reasonAffinity,
  reasonAntiAffinity,
  reasonExistingAntiAffinity,
} from './filter.js';
import { interPodAffinityScore } from './score.js';

const zone = 'topology.kubernetes.io/zone';
const host = 'kubernetes.io/hostname';

describe('InterPodAffinity filter', () => {
  const nodes = [
    node('a1').zone('a').build(),
    node('a2').zone('a').build(),
    node('b1').zone('b').build(),
    node('nozone').build(),
  ];
  const cache = pod('cache').label('app', 'cache').on('a1').build();
  const guarded = pod('guarded')
    .label('app', 'db')
    .podAffinity('anti', zone, { app: 'web' })
    .on('b1')
    .build();
  const cases = [
    {
      name: 'affinity to a zone with a matching pod fits a node in that zone',
      pod: pod().podAffinity('affinity', zone, { app: 'cache' }).build(),
      on: 'a2',
      want: 'fits',
    },
    {
      name: 'affinity rejects a zone without a matching pod',
      pod: pod().podAffinity('affinity', zone, { app: 'cache' }).build(),
      on: 'b1',
      want: reasonAffinity,
    },
    {
      name: 'affinity rejects a node without the topology key',
      pod: pod().podAffinity('affinity', zone, { app: 'cache' }).build(),
      on: 'nozone',
      want: reasonAffinity,
    },
    {
      name: 'the first pod of a self-affine group may go anywhere with the key',
      pod: pod().label('app', 'solo').podAffinity('affinity', zone, { app: 'solo' }).build(),
      on: 'b1',
      want: 'fits',
    },
    {
      name: 'anti-affinity keeps a pod out of the zone of a matching pod',
      pod: pod().podAffinity('anti', zone, { app: 'cache' }).build(),
      on: 'a2',
      want: reasonAntiAffinity,
    },
    {
      name: 'anti-affinity per host only rejects that host',
      pod: pod().podAffinity('anti', host, { app: 'cache' }).build(),
      on: 'a2',
      want: 'fits',
    },
    {
      name: "an existing pod's anti-affinity keeps matching pods out",
      pod: pod().label('app', 'web').build(),
      on: 'b1',
      want: reasonExistingAntiAffinity,
    },
    {
      name: "an existing pod's anti-affinity ignores pods it does not match",
      pod: pod().label('app', 'api').build(),
      on: 'b1',
      want: 'fits',
    },
    {
      name: 'pods in other namespaces do not count',
      pod: pod().ns('other').podAffinity('affinity', zone, { app: 'cache' }).build(),
      on: 'a2',
      want: reasonAffinity,
    },
  ];
  it.each(cases)('$name', ({ pod: p, on, want }) => {
    expect(filterOutcome(interPodAffinityFilter, p, on, snapshotOf(nodes, [cache, guarded]))).toBe(want);
  });
});

describe('InterPodAffinity score', () => {
  const nodes = [node('a1').zone('a').build(), node('b1').zone('b').build(), node('c1').zone('c').build()];
  it('prefers the zone of pods it has preferred affinity to, and avoids preferred anti-affinity', () => {
    const snap = snapshotOf(nodes, [
      pod('x').label('app', 'cache').on('a1').build(),
      pod('y').label('app', 'noisy').on('c1').build(),
    ]);
    const p = pod()
      .podAffinity('affinity', zone, { app: 'cache' }, 10)
      .podAffinity('anti', zone, { app: 'noisy' }, 10)
      .build();
    expect(scoreOutcome(interPodAffinityScore, p, snap)).toEqual({ a1: 100, b1: 50, c1: 0 });
  });

  it("counts existing pods' preferred affinity toward the incoming pod", () => {
    const snap = snapshotOf(nodes, [
      pod('x').podAffinity('affinity', zone, { app: 'web' }, 50).on('b1').build(),
    ]);
    expect(scoreOutcome(interPodAffinityScore, pod().label('app', 'web').build(), snap)).toEqual({
      a1: 0,
      b1: 100,
      c1: 0,
    });
  });
});
