/**
 * apps/v1 Deployment: defaults and validation as pkg/apis/apps (v1 defaults, ValidateDeploymentSpec),
 * the immutable selector of apps/v1, the scale subresource, and kubectl's deployment table.
 */
import type { Deployment, DeploymentSpec, DeploymentStrategy } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge, selectorString } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { forbidden, invalid, notSupported, required, validateNonnegative } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import { intOrPercentValue, validateIntOrPercent, validateNotMoreThan100Percent } from './intstr.js';
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

function defaultDeployment(obj: KObject): void {
  const spec = specOf<DeploymentSpec>(obj);
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec.template);
}

function validateStrategy(strategy: DeploymentStrategy | undefined, field: string): FieldError[] {
  const type = strategy?.type;
  if (type === 'Recreate') {
    return strategy?.rollingUpdate
      ? [forbidden(`${field}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")]
      : [];
  }
  if (type !== 'RollingUpdate')
    return [notSupported(`${field}.type`, type ?? '', ['Recreate', 'RollingUpdate'])];
  const ru = strategy?.rollingUpdate;
  if (!ru) return [required(`${field}.rollingUpdate`, 'this should be defaulted and never be nil')];
  const f = `${field}.rollingUpdate`;
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, `${f}.maxUnavailable`),
    ...validateIntOrPercent(ru.maxSurge, `${f}.maxSurge`),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalid(`${f}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${f}.maxUnavailable`));
  return errs;
}

function validateDeployment(obj: KObject): FieldError[] {
  const spec = specOf<DeploymentSpec>(obj);
  const errs = [
    ...validateObjectMeta(obj),
    ...validateNonnegative(spec.replicas, 'spec.replicas'),
    ...validateWorkloadSelector(spec.selector, 'spec.selector', 'deployment'),
    ...validateWorkloadTemplate(spec.template, 'spec.template', spec.selector, 'ReplicaSet'),
    ...validateStrategy(spec.strategy, 'spec.strategy'),
    ...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
  ];
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined) {
    errs.push(...validateNonnegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function deploymentRow(obj: KObject, now: Date): unknown[] {
  const d = obj as Deployment;
  const status = d.status ?? {};
  const [names, images] = templateCells(d.spec?.template);
  return [
    d.metadata?.name,
    `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
    status.updatedReplicas ?? 0,
    status.availableReplicas ?? 0,
    humanAge(d.metadata?.creationTimestamp, now),
    names,
    images,
    selectorString(d.spec?.selector),
  ];
}

/** apps/v1 deployments. */
export const deploymentStrategy: ResourceStrategy = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  singularName: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  hasStatus: true,
  scale: replicasScale,
  defaults: defaultDeployment,
  prepareForCreate: (obj) => resetStatus(obj),
  validate: validateDeployment,
  validateUpdate: validateSelectorUnchanged,
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    column(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    column(
      'Selector',
      'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
      { wide: true },
    ),
  ],
  row: deploymentRow,
};
