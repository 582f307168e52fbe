/**
 * apps/v1 DaemonSet: update-strategy and history defaults, ValidateDaemonSetSpec (including the
 * "exactly one of maxSurge/maxUnavailable" rule), the immutable selector and kubectl's table.
 */
import type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { formatLabels, humanAge, labelSelectorString } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, notSupported, required, validateNonnegative } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import { intOrPercentValue, validateIntOrPercent, validateNotMoreThan100Percent } from './intstr.js';
import {
  CONTAINER_COLUMNS,
  defaultTemplate,
  resetStatus,
  specOf,
  templateCells,
  validateSelectorUnchanged,
  validateWorkloadSelector,
  validateWorkloadTemplate,
} from './workload.js';

function defaultDaemonSet(obj: KObject): void {
  const spec = specOf<DaemonSetSpec>(obj);
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec.template);
}

function validateUpdateStrategy(s: DaemonSetUpdateStrategy | undefined, field: string): FieldError[] {
  if (s?.type === 'OnDelete') return [];
  if (s?.type !== 'RollingUpdate')
    return [notSupported(`${field}.type`, s?.type ?? '', ['RollingUpdate', 'OnDelete'])];
  const ru = s.rollingUpdate;
  if (!ru) return [required(`${field}.rollingUpdate`)];
  const f = `${field}.rollingUpdate`;
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, `${f}.maxUnavailable`),
    ...validateIntOrPercent(ru.maxSurge, `${f}.maxSurge`),
    ...validateNotMoreThan100Percent(ru.maxUnavailable, `${f}.maxUnavailable`),
    ...validateNotMoreThan100Percent(ru.maxSurge, `${f}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    errs.push(invalid(`${f}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(required(`${f}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

function validateDaemonSet(obj: KObject): FieldError[] {
  const spec = specOf<DaemonSetSpec>(obj);
  return [
    ...validateObjectMeta(obj),
    ...validateWorkloadSelector(spec.selector, 'spec.selector', 'daemonset'),
    ...validateWorkloadTemplate(spec.template, 'spec.template', spec.selector, 'DaemonSet'),
    ...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
    ...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'),
  ];
}

function daemonSetRow(obj: KObject, now: Date): unknown[] {
  const ds = obj as DaemonSet;
  const st = ds.status;
  const [names, images] = templateCells(ds.spec?.template);
  return [
    ds.metadata?.name,
    st?.desiredNumberScheduled ?? 0,
    st?.currentNumberScheduled ?? 0,
    st?.numberReady ?? 0,
    st?.updatedNumberScheduled ?? 0,
    st?.numberAvailable ?? 0,
    formatLabels(ds.spec?.template?.spec?.nodeSelector),
    humanAge(ds.metadata?.creationTimestamp, now),
    names,
    images,
    labelSelectorString(ds.spec?.selector),
  ];
}

/** apps/v1 daemonsets. */
export const daemonSetStrategy: ResourceStrategy = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  resource: 'daemonsets',
  singularName: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  hasStatus: true,
  defaults: defaultDaemonSet,
  prepareForCreate: (obj) =>
    resetStatus(obj, {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    }),
  validate: validateDaemonSet,
  validateUpdate: validateSelectorUnchanged,
  columns: [
    NAME_COLUMN,
    column('Desired', 'The total number of nodes that should be running the daemon pod.', {
      type: 'integer',
    }),
    column('Current', 'The number of nodes that are running at least 1 daemon pod.', { type: 'integer' }),
    column(
      'Ready',
      'The number of nodes that should be running the daemon pod and have one or more running and ready.',
      {
        type: 'integer',
      },
    ),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', {
      type: 'integer',
    }),
    column(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more available.',
      {
        type: 'integer',
      },
    ),
    column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    column('Selector', 'A label query over pods that are managed by the daemon set.', { wide: true }),
  ],
  row: daemonSetRow,
};
