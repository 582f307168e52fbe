import { describe, expect, it } from 'vitest';
import { create, messages, object, TEST_NOW } from '../apps/testkit.js';
import { leaseStrategy as s } from './leases.js';

const lease = (spec: Record<string, unknown>) =>
  object('coordination.k8s.io/v1', 'Lease', 'skiff-scheduler', spec);

describe('leases', () => {
  it('accepts a held lease and shows its holder', () => {
    const { obj, errors } = create(
      s,
      lease({
        holderIdentity: 'node-1_abc',
        leaseDurationSeconds: 15,
        renewTime: '2024-05-01T11:59:58.000000Z',
      }),
    );
    expect(errors).toEqual([]);
    expect(s.row?.(obj, TEST_NOW)).toEqual(['skiff-scheduler', 'node-1_abc', '60m']);
  });

  it('shows an empty holder for an unheld lease', () => {
    expect(s.row?.(create(s, lease({})).obj, TEST_NOW)[1]).toBe('');
  });

  it('requires a positive duration and non-negative transitions', () => {
    expect(messages(create(s, lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })).errors)).toEqual([
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]);
  });
});
