/**
 * coordination.k8s.io/v1 Lease: leader election and node heartbeats. Validation as
 * ValidateLeaseSpec (positive duration, non-negative transitions); the HOLDER table.
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import type { KObject } from '../../api/object.js';
import { specOf } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, validateNonnegative } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

function validateLease(obj: KObject): FieldError[] {
  const spec = specOf<LeaseSpec>(obj);
  const errs = [
    ...validateObjectMeta(obj),
    ...validateNonnegative(spec.leaseTransitions, 'spec.leaseTransitions'),
  ];
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && d <= 0) errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  return errs;
}

/** coordination.k8s.io/v1 leases. */
export const leaseStrategy: ResourceStrategy = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  resource: 'leases',
  singularName: 'lease',
  namespaced: true,
  validate: validateLease,
  columns: [
    NAME_COLUMN,
    column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
    AGE_COLUMN,
  ],
  row: (obj, now) => {
    const l = obj as Lease;
    return [l.metadata?.name, l.spec?.holderIdentity ?? '', humanAge(l.metadata?.creationTimestamp, now)];
  },
};
