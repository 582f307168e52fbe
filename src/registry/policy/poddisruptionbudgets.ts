/**
 * policy/v1 PodDisruptionBudget: ValidatePodDisruptionBudgetSpec (at most one of minAvailable and
 * maxUnavailable, each a count or percentage up to 100%, a valid selector, the unhealthy-pod
 * eviction policy) and kubectl's pdb table.
 */
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1.js';
import type { KObject } from '../../api/object.js';
import { validateIntOrPercent, validateNotMoreThan100Percent } from '../apps/intstr.js';
import { resetStatus, specOf } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, notSupported, validateLabelSelector } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function validatePDB(obj: KObject): FieldError[] {
  const spec = specOf<PodDisruptionBudgetSpec>(obj);
  const errs = [...validateObjectMeta(obj)];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const key of ['minAvailable', 'maxUnavailable'] as const) {
    errs.push(...validateIntOrPercent(spec[key], `spec.${key}`));
    errs.push(...validateNotMoreThan100Percent(spec[key], `spec.${key}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !EVICTION_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  }
  return errs;
}

/** policy/v1 poddisruptionbudgets. */
export const podDisruptionBudgetStrategy: ResourceStrategy = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
  singularName: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  hasStatus: true,
  prepareForCreate: (obj) =>
    resetStatus(obj, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
  validate: validatePDB,
  columns: [
    NAME_COLUMN,
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', {
      type: 'integer',
    }),
    AGE_COLUMN,
  ],
  row: (obj, now) => {
    const pdb = obj as PodDisruptionBudget;
    const spec = pdb.spec ?? {};
    return [
      pdb.metadata?.name,
      spec.minAvailable !== undefined ? String(spec.minAvailable) : 'N/A',
      spec.maxUnavailable !== undefined ? String(spec.maxUnavailable) : 'N/A',
      pdb.status?.disruptionsAllowed ?? 0,
      humanAge(pdb.metadata?.creationTimestamp, now),
    ];
  },
};
