import { describe, expect, it } from 'vitest';
import { filterOutcome, node, pod, scoreOutcome, snapshotOf } from '../../framework/testing.js';
import { taintTolerationFilter, taintTolerationScore } from './taint-toleration.js';

describe('TaintToleration', () => {
  const tainted = node('n1').taint('dedicated', 'gpu', 'NoSchedule').build();
  const cases = [
    {
      name: 'a pod without tolerations stays off a tainted node',
      pod: pod().build(),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    {
      name: 'a pod tolerating the taint lands on the tainted node',
      pod: pod()
        .tolerate({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' })
        .build(),
      want: 'fits',
    },
    {
      name: 'an Exists toleration without a key tolerates everything',
      pod: pod().tolerate({ operator: 'Exists' }).build(),
      want: 'fits',
    },
    {
      name: 'a toleration for another value does not help',
      pod: pod().tolerate({ key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }).build(),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    {
      name: 'a toleration for another effect does not help',
      pod: pod().tolerate({ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }).build(),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
  ];
  it.each(cases)('$name', ({ pod: p, want }) => {
    expect(filterOutcome(taintTolerationFilter, p, 'n1', snapshotOf([tainted]))).toBe(want);
  });

  it('an empty taint value prints as Kubernetes does, and PreferNoSchedule never filters', () => {
    const cp = node('n1').taint('node-role.kubernetes.io/control-plane', undefined, 'NoSchedule').build();
    expect(filterOutcome(taintTolerationFilter, pod().build(), 'n1', snapshotOf([cp]))).toBe(
      'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
    );
    const soft = node('n1').taint('spot', 'true', 'PreferNoSchedule').build();
    expect(filterOutcome(taintTolerationFilter, pod().build(), 'n1', snapshotOf([soft]))).toBe('fits');
  });

  it('scores nodes with fewer untolerated PreferNoSchedule taints higher', () => {
    const snap = snapshotOf([
      node('clean').build(),
      node('one').taint('a', '1', 'PreferNoSchedule').build(),
      node('two').taint('a', '1', 'PreferNoSchedule').taint('b', '1', 'PreferNoSchedule').build(),
    ]);
    expect(scoreOutcome(taintTolerationScore, pod().build(), snap)).toEqual({ clean: 100, one: 50, two: 0 });
    const tolerant = pod().tolerate({ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }).build();
    expect(scoreOutcome(taintTolerationScore, tolerant, snap)).toEqual({ clean: 100, one: 100, two: 0 });
  });
});
