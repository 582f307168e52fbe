/**
 * scheduling.k8s.io/v1 PriorityClass (cluster-scoped): reserved "system-" classes, the ceiling on
 * user-defined values, an immutable value and preemption policy, a single global default (the
 * Priority admission plugin's rule), the built-in system classes, and kubectl's table.
 */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { KObject } from '../../api/object.js';
import { validateImmutable } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { forbidden, notSupported, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy, StrategyContext } from '../types.js';

/** The highest value a user-defined PriorityClass may have; above it is reserved for the system. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
const SYSTEM_PREFIX = 'system-';
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

/** The classes every cluster has, created by the API server at startup. */
export const SYSTEM_PRIORITY_CLASSES: Array<{ name: string; value: number; description: string }> = [
  {
    name: 'system-node-critical',
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: 2_000_000_000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** The built-in classes as objects, for the API server to create if missing. */
export function systemPriorityClasses(): KObject[] {
  return SYSTEM_PRIORITY_CLASSES.map((c) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: c.name },
    value: c.value,
    globalDefault: false,
    description: c.description,
    preemptionPolicy: 'PreemptLowerPriority',
  }));
}

function validateSystemName(pc: PriorityClass): FieldError[] {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === pc.metadata?.name);
  let problem: string | undefined;
  if (!known) problem = `${pc.metadata?.name} is not a known system priority class`;
  else if (pc.value !== known.value) problem = `value of ${known.name} PriorityClass must be ${known.value}`;
  else if (pc.globalDefault) problem = `globalDefault of ${known.name} PriorityClass must be false`;
  if (!problem) return [];
  return [
    forbidden(
      'metadata.name',
      `priority class names with '${SYSTEM_PREFIX}' prefix are reserved for system use only. error: ${problem}`,
    ),
  ];
}

function validateSingleDefault(pc: PriorityClass, ctx: StrategyContext): FieldError[] {
  if (!pc.globalDefault) return [];
  const other = ctx
    .list('scheduling.k8s.io/priorityclasses')
    .find((o) => (o as unknown as PriorityClass).globalDefault && o.metadata.name !== pc.metadata?.name);
  if (!other) return [];
  return [
    forbidden(
      'globalDefault',
      `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`,
    ),
  ];
}

function validatePriorityClass(obj: KObject, ctx: StrategyContext): FieldError[] {
  const pc = obj as unknown as PriorityClass;
  const errs = [...validateObjectMeta(obj)];
  if (typeof pc.value !== 'number') errs.push(required('value'));
  if (pc.metadata?.name?.startsWith(SYSTEM_PREFIX)) errs.push(...validateSystemName(pc));
  else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbidden(
        'value',
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) {
    errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  errs.push(...validateSingleDefault(pc, ctx));
  return errs;
}

/** scheduling.k8s.io/v1 priorityclasses. */
export const priorityClassStrategy: ResourceStrategy = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  resource: 'priorityclasses',
  singularName: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  defaults: (obj) => {
    obj.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate: validatePriorityClass,
  validateUpdate: (obj, old) => {
    const errs: FieldError[] = [];
    if (obj.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
    errs.push(...validateImmutable(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
    return errs;
  },
  columns: [
    NAME_COLUMN,
    column('Value', 'value represents the integer value of this priority class.', { type: 'integer' }),
    column(
      'Global-Default',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.',
      { type: 'boolean' },
    ),
    AGE_COLUMN,
    column('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  row: (obj, now) => {
    const pc = obj as unknown as PriorityClass;
    return [
      pc.metadata?.name,
      pc.value,
      pc.globalDefault ?? false,
      humanAge(pc.metadata?.creationTimestamp, now),
      pc.preemptionPolicy ?? '',
    ];
  },
};
