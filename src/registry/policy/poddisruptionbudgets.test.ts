import { describe, expect, it } from 'vitest';
import { create, messages, object, TEST_NOW } from '../apps/testkit.js';
import { podDisruptionBudgetStrategy as s } from './poddisruptionbudgets.js';

const pdb = (spec: Record<string, unknown>) =>
  object('policy/v1', 'PodDisruptionBudget', 'web', { selector: { matchLabels: { app: 'web' } }, ...spec });

describe('poddisruptionbudgets', () => {
  it('accepts minAvailable and starts with a zero status', () => {
    const { obj, errors } = create(s, pdb({ minAvailable: 2 }));
    expect(errors).toEqual([]);
    expect(obj.status).toEqual({
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
  });

  const invalid = [
    {
      name: 'minAvailable and maxUnavailable are mutually exclusive',
      spec: { minAvailable: 1, maxUnavailable: 1 },
      want: /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/,
    },
    {
      name: 'percentages above 100% are invalid',
      spec: { maxUnavailable: '120%' },
      want: /^spec\.maxUnavailable: Invalid value: "120%": must not be greater than 100%$/,
    },
    {
      name: 'negative counts are invalid',
      spec: { minAvailable: -1 },
      want: /^spec\.minAvailable: Invalid value: -1: must be greater than or equal to 0$/,
    },
    {
      name: 'an unknown eviction policy is not supported',
      spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'Never' },
      want: /^spec\.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"$/,
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, pdb(c.spec)).errors)).toEqual([expect.stringMatching(c.want)]);
    });
  }

  it('renders N/A for the unset bound', () => {
    const { obj } = create(s, pdb({ maxUnavailable: '25%' }));
    obj.status = { disruptionsAllowed: 1 };
    expect(s.row?.(obj, TEST_NOW)).toEqual(['web', 'N/A', '25%', 1, '60m']);
  });
});
