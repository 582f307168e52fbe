import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, TEST_NOW, testContext, update } from '../apps/testkit.js';
import { priorityClassStrategy as s, systemPriorityClasses } from './priorityclasses.js';

const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name },
  value,
  ...extra,
});

describe('priorityclasses', () => {
  it('defaults preemptionPolicy and renders the row', () => {
    const { obj, errors } = create(s, pc('high', 1000));
    expect(errors).toEqual([]);
    expect(obj.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(s.row?.(obj, TEST_NOW)).toEqual(['high', 1000, false, '60m', 'PreemptLowerPriority']);
  });

  it('accepts the built-in system classes', () => {
    for (const sys of systemPriorityClasses()) expect(create(s, sys).errors).toEqual([]);
  });

  const invalid = [
    {
      name: 'system- names are reserved',
      obj: pc('system-mine', 10),
      want: "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    },
    {
      name: 'user values have a ceiling',
      obj: pc('huge', 1_000_000_001),
      want: 'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    },
    {
      name: 'an unknown preemption policy is not supported',
      obj: pc('p', 1, { preemptionPolicy: 'Sometimes' }),
      want: 'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, c.obj).errors)).toEqual([c.want]);
    });
  }

  it('allows only one global default', () => {
    const ctx = testContext({
      'scheduling.k8s.io/priorityclasses': [pc('default-a', 5, { globalDefault: true })],
    });
    expect(messages(create(s, pc('default-b', 6, { globalDefault: true }), ctx).errors)).toEqual([
      'globalDefault: Forbidden: PriorityClass default-a is already marked as default. Only one default can exist',
    ]);
    expect(create(s, pc('default-a', 5, { globalDefault: true }), ctx).errors).toEqual([]);
  });

  it('keeps value and preemptionPolicy fixed', () => {
    const old = create(s, pc('high', 1000)).obj;
    const next = copy(old);
    next.value = 2000;
    next.preemptionPolicy = 'Never';
    expect(messages(update(s, next, old))).toEqual([
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });
});
