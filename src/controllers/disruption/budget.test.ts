/** Table tests of the PodDisruptionBudget arithmetic. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { describe, expect, it } from 'vitest';
import { budgetStatus, expectedAndDesired, liveDisruptions } from './budget.js';

const now = new Date('2024-05-01T12:00:00Z');

function pods(ready: number, unready = 0): Pod[] {
  const make = (i: number, ok: boolean): Pod => ({
    metadata: { name: `p${i}` },
    status: { conditions: [{ type: 'Ready', status: ok ? 'True' : 'False' }] },
  });
  return [
    ...Array.from({ length: ready }, (_, i) => make(i, true)),
    ...Array.from({ length: unready }, (_, i) => make(ready + i, false)),
  ];
}

const pdb = (
  spec: PodDisruptionBudget['spec'],
  status?: PodDisruptionBudget['status'],
): PodDisruptionBudget => ({
  metadata: { name: 'b', generation: 2 },
  spec,
  status,
});

describe('expectedAndDesired', () => {
  const cases = [
    {
      name: 'an integer minAvailable counts the pods',
      spec: { minAvailable: 2 },
      pods: 3,
      want: { expected: 3, desired: 2 },
    },
    {
      name: 'a percent minAvailable rounds up of the scale',
      spec: { minAvailable: '50%' },
      pods: 3,
      scale: 5,
      want: { expected: 5, desired: 3 },
    },
    {
      name: 'an integer maxUnavailable is taken from the scale',
      spec: { maxUnavailable: 1 },
      pods: 2,
      scale: 3,
      want: { expected: 3, desired: 2 },
    },
    {
      name: 'a percent maxUnavailable rounds up',
      spec: { maxUnavailable: '30%' },
      pods: 10,
      scale: 10,
      want: { expected: 10, desired: 7 },
    },
    {
      name: 'maxUnavailable above the scale desires none',
      spec: { maxUnavailable: 5 },
      pods: 3,
      scale: 3,
      want: { expected: 3, desired: 0 },
    },
    {
      name: 'without a scale the pods stand in for it',
      spec: { maxUnavailable: 1 },
      pods: 4,
      want: { expected: 4, desired: 3 },
    },
    { name: 'neither field expects nothing', spec: {}, pods: 4, want: { expected: 0, desired: 0 } },
  ];
  for (const c of cases)
    it(c.name, () => expect(expectedAndDesired(pdb(c.spec), c.pods, c.scale)).toEqual(c.want));
});

describe('budgetStatus', () => {
  it('allows the healthy surplus and says so', () => {
    const { status } = budgetStatus(pdb({ minAvailable: 2 }), pods(3, 1), now);
    expect(status).toMatchObject({
      observedGeneration: 2,
      expectedPods: 4,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: 'True',
          reason: 'SufficientPods',
          lastTransitionTime: '2024-05-01T12:00:00Z',
        },
      ],
    });
  });

  it('allows nothing below the budget', () => {
    const { status } = budgetStatus(pdb({ minAvailable: 3 }), pods(2, 1), now);
    expect(status.disruptionsAllowed).toBe(0);
    expect(status.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('allows nothing when no pods are expected', () => {
    expect(budgetStatus(pdb({ maxUnavailable: 1 }), [], now, 0).status.disruptionsAllowed).toBe(0);
  });

  it('keeps the transition time while the condition holds', () => {
    const old = {
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: 'True',
          reason: 'SufficientPods',
          message: '',
          lastTransitionTime: '2024-01-01T00:00:00Z',
        },
      ],
    };
    const { status } = budgetStatus(pdb({ minAvailable: 1 }, old), pods(3), now);
    expect(status.conditions?.[0].lastTransitionTime).toBe('2024-01-01T00:00:00Z');
  });

  it('does not count a pod whose eviction was just recorded', () => {
    const status = {
      disruptionsAllowed: 0,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptedPods: { p0: '2024-05-01T11:59:30Z' },
    };
    const got = budgetStatus(pdb({ minAvailable: 2 }, status), pods(3), now);
    expect(got.status).toMatchObject({
      currentHealthy: 2,
      disruptionsAllowed: 0,
      disruptedPods: { p0: '2024-05-01T11:59:30Z' },
    });
    expect(got.recheckAt).toEqual(new Date('2024-05-01T12:01:30Z'));
  });
});

describe('liveDisruptions', () => {
  it('drops entries that expired, whose pod is gone, or whose pod is being deleted', () => {
    const ps = pods(3);
    (ps[1].metadata as { deletionTimestamp?: string }).deletionTimestamp = '2024-05-01T12:00:00Z';
    const recorded = {
      p0: '2024-05-01T11:57:00Z',
      p1: '2024-05-01T11:59:00Z',
      p2: '2024-05-01T11:59:50Z',
      gone: '2024-05-01T11:59:50Z',
    };
    expect(liveDisruptions(recorded, ps, now).live).toEqual({ p2: '2024-05-01T11:59:50Z' });
  });
});
