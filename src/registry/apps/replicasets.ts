/**
 * apps/v1 ReplicaSet: replicas default, ValidateReplicaSetSpec, the immutable selector of apps/v1,
 * the scale subresource, the status.replicas field selector and kubectl's replicaset table.
 */
import type { ReplicaSet, ReplicaSetSpec } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge, labelSelectorString } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { validateNonnegative } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import {
  CONTAINER_COLUMNS,
  defaultTemplate,
  replicasScale,
  resetStatus,
  specOf,
  templateCells,
  validateSelectorUnchanged,
  validateWorkloadSelector,
  validateWorkloadTemplate,
} from './workload.js';

function validateReplicaSet(obj: KObject): FieldError[] {
  const spec = specOf<ReplicaSetSpec>(obj);
  return [
    ...validateObjectMeta(obj),
    ...validateNonnegative(spec.replicas, 'spec.replicas'),
    ...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    // Kubernetes says "deployment" here too: the check is shared with deployments upstream.
    ...validateWorkloadSelector(spec.selector, 'spec.selector', 'deployment'),
    ...validateWorkloadTemplate(spec.template, 'spec.template', spec.selector, 'ReplicaSet'),
  ];
}

function replicaSetRow(obj: KObject, now: Date): unknown[] {
  const rs = obj as ReplicaSet;
  const [names, images] = templateCells(rs.spec?.template);
  return [
    rs.metadata?.name,
    rs.spec?.replicas ?? 0,
    rs.status?.replicas ?? 0,
    rs.status?.readyReplicas ?? 0,
    humanAge(rs.metadata?.creationTimestamp, now),
    names,
    images,
    labelSelectorString(rs.spec?.selector),
  ];
}

/** apps/v1 replicasets. */
export const replicaSetStrategy: ResourceStrategy = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  resource: 'replicasets',
  singularName: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  hasStatus: true,
  scale: replicasScale,
  defaults: (obj) => {
    const spec = specOf<ReplicaSetSpec>(obj);
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  prepareForCreate: (obj) => resetStatus(obj, { replicas: 0 }),
  validate: validateReplicaSet,
  validateUpdate: validateSelectorUnchanged,
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of non-terminating pods.', {
      type: 'integer',
    }),
    column(
      'Ready',
      'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.',
      {
        type: 'integer',
      },
    ),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    column('Selector', 'Selector is a label query over pods that should match the replica count.', {
      wide: true,
    }),
  ],
  row: replicaSetRow,
  fieldSelectors: {
    'status.replicas': (obj) => String((obj as ReplicaSet).status?.replicas ?? 0),
  },
};
