/**
 * apps/v1 StatefulSet: defaults (pod management, update strategy, PVC retention, history),
 * ValidateStatefulSetSpec, the update rule that only replicas, ordinals, template, updateStrategy,
 * revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds may change,
 * the scale subresource and kubectl's statefulset table.
 */
import type {
  StatefulSet,
  StatefulSetPersistentVolumeClaimRetentionPolicy,
  StatefulSetSpec,
  StatefulSetUpdateStrategy,
} from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { clone, validateObjectMeta } from '../common/meta.js';
import { forbidden, invalid, notSupported, required, validateNonnegative } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import {
  CONTAINER_COLUMNS,
  defaultTemplate,
  replicasScale,
  resetStatus,
  semanticEqual,
  specOf,
  templateCells,
  validateWorkloadSelector,
  validateWorkloadTemplate,
} from './workload.js';

const RETENTION = ['Retain', 'Delete'];

function defaultStatefulSet(obj: KObject): void {
  const spec = specOf<StatefulSetSpec>(obj);
  spec.podManagementPolicy ??= 'OrderedReady';
  if (!spec.updateStrategy?.type) {
    spec.updateStrategy = { ...spec.updateStrategy, type: 'RollingUpdate' };
    spec.updateStrategy.rollingUpdate ??= {};
  }
  const ru = spec.updateStrategy.rollingUpdate;
  if (spec.updateStrategy.type === 'RollingUpdate' && ru) ru.partition ??= 0;
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    if (pvc.spec) pvc.spec.volumeMode ??= 'Filesystem';
  }
  defaultTemplate(spec.template);
}

function validateUpdateStrategy(s: StatefulSetUpdateStrategy | undefined, field: string): FieldError[] {
  switch (s?.type) {
    case undefined:
    case '':
      return [required(field)];
    case 'OnDelete':
      return s.rollingUpdate
        ? [
            invalid(
              `${field}.rollingUpdate`,
              s.rollingUpdate,
              "only allowed for updateStrategy 'RollingUpdate'",
            ),
          ]
        : [];
    case 'RollingUpdate':
      return validateNonnegative(s.rollingUpdate?.partition, `${field}.rollingUpdate.partition`);
    default:
      return [invalid(field, s, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateRetention(p: StatefulSetPersistentVolumeClaimRetentionPolicy | undefined): FieldError[] {
  const f = 'spec.persistentVolumeClaimRetentionPolicy';
  const errs: FieldError[] = [];
  if (p?.whenDeleted && !RETENTION.includes(p.whenDeleted)) {
    errs.push(notSupported(`${f}.whenDeleted`, p.whenDeleted, RETENTION));
  }
  if (p?.whenScaled && !RETENTION.includes(p.whenScaled)) {
    errs.push(notSupported(`${f}.whenScaled`, p.whenScaled, RETENTION));
  }
  return errs;
}

function validatePodManagement(policy: string | undefined): FieldError[] {
  if (!policy) return [required('spec.podManagementPolicy')];
  if (policy === 'OrderedReady' || policy === 'Parallel') return [];
  return [invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'")];
}

function validateStatefulSet(obj: KObject): FieldError[] {
  const spec = specOf<StatefulSetSpec>(obj);
  const errs = [
    ...validateObjectMeta(obj),
    ...validatePodManagement(spec.podManagementPolicy),
    ...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'),
    ...validateRetention(spec.persistentVolumeClaimRetentionPolicy),
    ...validateNonnegative(spec.replicas, 'spec.replicas'),
    ...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateNonnegative(spec.ordinals?.start, 'spec.ordinals.start'),
    ...validateWorkloadSelector(spec.selector, 'spec.selector', 'statefulset'),
    ...validateWorkloadTemplate(spec.template, 'spec.template', spec.selector, 'StatefulSet'),
  ];
  (spec.volumeClaimTemplates ?? []).forEach((pvc, i) => {
    if (!pvc.metadata?.name) errs.push(required(`spec.volumeClaimTemplates[${i}].metadata.name`));
  });
  return errs;
}

/** Fields of a StatefulSet spec that an update may change; everything else is fixed at creation. */
const MUTABLE_FIELDS = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
] as const;

function validateStatefulSetUpdate(obj: KObject, old: KObject): FieldError[] {
  const next = clone(specOf<StatefulSetSpec>(obj)) as unknown as Record<string, unknown>;
  const prev = specOf<StatefulSetSpec>(old) as unknown as Record<string, unknown>;
  for (const f of MUTABLE_FIELDS) next[f] = prev[f];
  if (semanticEqual(next, prev)) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

function statefulSetRow(obj: KObject, now: Date): unknown[] {
  const sts = obj as StatefulSet;
  const [names, images] = templateCells(sts.spec?.template);
  return [
    sts.metadata?.name,
    `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
    humanAge(sts.metadata?.creationTimestamp, now),
    names,
    images,
  ];
}

/** apps/v1 statefulsets. */
export const statefulSetStrategy: ResourceStrategy = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  singularName: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  hasStatus: true,
  scale: replicasScale,
  defaults: defaultStatefulSet,
  prepareForCreate: (obj) => resetStatus(obj, { replicas: 0, availableReplicas: 0 }),
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
  ],
  row: statefulSetRow,
};
