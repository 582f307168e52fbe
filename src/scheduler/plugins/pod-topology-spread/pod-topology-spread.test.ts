import { describe, expect, it } from 'vitest';
import { filterOutcome, node, pod, scoreOutcome, snapshotOf } from '../../framework/testing.js';
import { podTopologySpreadFilter, reasonMissingLabel, reasonSpread } from './filter.js';
import { podTopologySpreadScore } from './score.js';

const zone = 'topology.kubernetes.io/zone';
const web = { app: 'web' };

describe('PodTopologySpread filter', () => {
  const nodes = [
    node('a1').zone('a').build(),
    node('a2').zone('a').label('gpu', 'yes').build(),
    node('b1').zone('b').build(),
    node('c1').zone('c').label('gpu', 'yes').build(),
    node('bare').build(),
  ];
  // Zone a holds 2 web pods, b 1, c 0.
  const placed = [
    pod('w1').label('app', 'web').on('a1').build(),
    pod('w2').label('app', 'web').on('a1').build(),
    pod('w3').label('app', 'web').on('b1').build(),
  ];
  const incoming = (extra = {}) =>
    pod()
      .label('app', 'web')
      .spread({ topologyKey: zone, labels: web, ...extra })
      .build();
  const cases = [
    { name: 'the emptiest zone takes the pod', pod: incoming(), on: 'c1', want: 'fits' },
    {
      name: 'a zone one above the minimum would exceed maxSkew 1',
      pod: incoming(),
      on: 'b1',
      want: reasonSpread,
    },
    { name: 'maxSkew 2 allows the middle zone', pod: incoming({ maxSkew: 2 }), on: 'b1', want: 'fits' },
    {
      name: 'a node without the topology key cannot take the pod',
      pod: incoming(),
      on: 'bare',
      want: reasonMissingLabel,
    },
    {
      name: 'ScheduleAnyway never filters',
      pod: incoming({ whenUnsatisfiable: 'ScheduleAnyway' }),
      on: 'a1',
      want: 'fits',
    },
    {
      name: "with nodeAffinityPolicy Honor (default) pods on nodes the pod can't use don't count",
      pod: pod()
        .label('app', 'web')
        .nodeSelector({ gpu: 'yes' })
        .spread({ topologyKey: zone, labels: web })
        .build(),
      on: 'a2',
      want: 'fits',
    },
    {
      name: 'with nodeAffinityPolicy Ignore they do',
      pod: pod()
        .label('app', 'web')
        .nodeSelector({ gpu: 'yes' })
        .spread({ topologyKey: zone, labels: web, nodeAffinityPolicy: 'Ignore' })
        .build(),
      on: 'a2',
      want: reasonSpread,
    },
    {
      name: 'minDomains above the domain count makes the minimum 0',
      pod: incoming({ maxSkew: 2, minDomains: 5 }),
      on: 'b1',
      want: 'fits',
    },
    {
      name: 'minDomains keeps a full zone out even when it is the minimum otherwise',
      pod: incoming({ maxSkew: 2, minDomains: 5 }),
      on: 'a1',
      want: reasonSpread,
    },
  ];
  it.each(cases)('$name', ({ pod: p, on, want }) => {
    expect(filterOutcome(podTopologySpreadFilter, p, on, snapshotOf(nodes, placed))).toBe(want);
  });
});

describe('PodTopologySpread score', () => {
  it('prefers zones with fewer matching pods under ScheduleAnyway', () => {
    const snap = snapshotOf(
      [node('a1').zone('a').build(), node('b1').zone('b').build(), node('c1').zone('c').build()],
      [
        pod('w1').label('app', 'web').on('a1').build(),
        pod('w2').label('app', 'web').on('a1').build(),
        pod('w3').label('app', 'web').on('b1').build(),
      ],
    );
    const p = pod()
      .label('app', 'web')
      .spread({ topologyKey: zone, labels: web, whenUnsatisfiable: 'ScheduleAnyway' })
      .build();
    const scores = scoreOutcome(podTopologySpreadScore, p, snap);
    expect(scores.c1).toBe(100);
    expect(scores.b1).toBeGreaterThan(scores.a1);
  });
});
