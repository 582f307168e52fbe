/** Rollout arithmetic: budgets from percentages, rolling steps, proportional scaling. */
import { describe, expect, it } from 'vitest';
import type { ReplicaSetObj } from '../replicaset/index.js';
import {
  type DeploymentObj,
  maxSurge,
  maxUnavailable,
  newReplicaSetSize,
  planOldScaleDown,
  planScale,
  resolveFenceposts,
  scaledValue,
} from './rollout.js';

function deploy(
  replicas: number,
  surge: number | string = '25%',
  unavailable: number | string = '25%',
  type = 'RollingUpdate',
): DeploymentObj {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {},
      strategy:
        type === 'RollingUpdate'
          ? { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }
          : { type },
    },
  };
}

let clock = 0;
function rs(name: string, replicas: number, availableReplicas = replicas): ReplicaSetObj {
  clock += 1000;
  return {
    metadata: { name, namespace: 'default', creationTimestamp: new Date(clock).toISOString() },
    spec: { replicas, selector: {} },
    status: { replicas, availableReplicas },
  };
}

describe('scaledValue and fenceposts', () => {
  const cases: Array<{ name: string; v: number | string; total: number; up: boolean; want: number }> = [
    { name: 'an integer is taken as is', v: 3, total: 10, up: true, want: 3 },
    { name: '25% of 10 rounds up to 3 for surge', v: '25%', total: 10, up: true, want: 3 },
    { name: '25% of 10 rounds down to 2 for unavailability', v: '25%', total: 10, up: false, want: 2 },
    { name: '100% of 7 is 7', v: '100%', total: 7, up: false, want: 7 },
    { name: '10% of 1 rounds up to 1', v: '10%', total: 1, up: true, want: 1 },
  ];
  for (const c of cases) it(c.name, () => expect(scaledValue(c.v, c.total, c.up)).toBe(c.want));

  it('turns two zero budgets into one unavailable pod so the rollout can move', () => {
    expect(resolveFenceposts('0%', '10%', 3)).toEqual([0, 1]);
    expect(resolveFenceposts(0, '25%', 3)).toEqual([0, 1]);
    expect(resolveFenceposts('25%', '25%', 4)).toEqual([1, 1]);
  });

  it('caps maxUnavailable at replicas and gives Recreate no budgets', () => {
    expect(maxUnavailable(deploy(2, 0, 5))).toBe(2);
    expect(maxUnavailable(deploy(0, 1, 1))).toBe(0);
    expect(maxSurge(deploy(4, 0, 0, 'Recreate'))).toBe(0);
    expect(maxUnavailable(deploy(4, 0, 0, 'Recreate'))).toBe(0);
  });
});

describe('newReplicaSetSize', () => {
  const cases = [
    {
      name: 'a fresh rollout grows by the surge',
      d: deploy(4, 1, 1),
      sets: [rs('old', 4)],
      newRS: 0,
      want: 1,
    },
    {
      name: 'no growth while at replicas + maxSurge',
      d: deploy(4, 1, 1),
      sets: [rs('old', 3), rs('new', 2)],
      newRS: 2,
      want: 2,
    },
    {
      name: 'growth stops at replicas',
      d: deploy(4, 3, 1),
      sets: [rs('old', 0), rs('new', 3)],
      newRS: 3,
      want: 4,
    },
    {
      name: 'Recreate goes straight to replicas',
      d: deploy(5, 0, 0, 'Recreate'),
      sets: [],
      newRS: 0,
      want: 5,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const newRS = c.sets.find((s) => s.metadata.name === 'new');
      expect(newReplicaSetSize(c.d, c.sets, newRS)).toBe(c.want);
    });
  }
});

describe('planOldScaleDown', () => {
  it('shrinks old pods while replicas - maxUnavailable stay available', () => {
    // 4 replicas, 1 unavailable allowed: 4 old available + 1 new not yet available.
    const old = rs('old', 4);
    const fresh = rs('new', 1, 0);
    expect(planOldScaleDown(deploy(4, 1, 1), fresh, [old])).toEqual(new Map([['old', 3]]));
  });

  it('does not shrink when that would cut into minimum availability', () => {
    const old = rs('old', 3);
    const fresh = rs('new', 2, 0);
    expect(planOldScaleDown(deploy(4, 1, 1), fresh, [old]).size).toBe(0);
  });

  it('removes unavailable old pods first, oldest ReplicaSet first', () => {
    const older = rs('older', 2, 0);
    const old = rs('old', 2, 2);
    const fresh = rs('new', 2, 2);
    const plan = planOldScaleDown(deploy(4, 1, 1), fresh, [old, older]);
    expect(plan.get('older')).toBe(0);
    expect(plan.get('old')).toBe(1);
  });
});

describe('planScale', () => {
  it('resizes the only active ReplicaSet', () => {
    expect(planScale(deploy(6), rs('new', 3), [rs('old', 0)])).toEqual(new Map([['new', 6]]));
  });

  it('retires old ReplicaSets once the new one is saturated', () => {
    expect(planScale(deploy(3), rs('new', 3, 3), [rs('old', 1)])).toEqual(new Map([['old', 0]]));
  });

  it('spreads a mid-rollout scale-up in proportion to current sizes', () => {
    // 10 → 20 replicas with 25% surge: allowed 25; current 12 (8 old + 4 new); 13 to add.
    const plan = planScale(deploy(20), rs('new', 4, 0), [rs('old', 8)]);
    expect((plan.get('old') ?? 0) + (plan.get('new') ?? 0)).toBe(25);
    expect(plan.get('old')).toBe(8 + 8 + 1);
    expect(plan.get('new')).toBe(4 + 4);
  });

  it('spreads a mid-rollout scale-down without going negative', () => {
    const plan = planScale(deploy(2, 1, 1), rs('new', 3, 0), [rs('old', 3)]);
    expect((plan.get('old') ?? 0) + (plan.get('new') ?? 0)).toBe(3);
    for (const v of plan.values()) expect(v).toBeGreaterThanOrEqual(0);
  });
});
