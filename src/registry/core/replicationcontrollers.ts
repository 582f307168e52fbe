/**
 * core/v1 replicationcontrollers: the legacy workload kept for compatibility. Selector and labels
 * default from the template, replicas to 1; validation as ValidateReplicationController; a
 * `scale` subresource; kubectl's RC columns.
 */
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { containerCells, formatLabels, humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { notSupported, required, validateLabels, validateNonnegative } from '../common/validation.js';
import type { FieldError, ResourceStrategy, ScaleAdapter } from '../types.js';
import { defaultPodSpec, validatePodTemplate } from './pod-spec.js';

function asRC(obj: KObject): ReplicationController {
  return obj as unknown as ReplicationController;
}

function defaultRC(obj: KObject): void {
  const holder = obj as { spec?: ReplicationController['spec'] };
  holder.spec ??= {};
  const spec = holder.spec;
  spec.replicas ??= 1;
  spec.minReadySeconds ??= 0;
  const labels = spec.template?.metadata?.labels;
  if (labels && !Object.keys(spec.selector ?? {}).length) spec.selector = { ...labels };
  if (labels && !Object.keys(obj.metadata.labels ?? {}).length) obj.metadata.labels = { ...labels };
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
}

function validateRC(obj: KObject): FieldError[] {
  const spec = asRC(obj).spec ?? {};
  const errs = validateObjectMeta(obj);
  const selector = spec.selector ?? {};
  if (!Object.keys(selector).length) errs.push(required('spec.selector'));
  errs.push(...validateLabels(selector, 'spec.selector'));
  errs.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  errs.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validatePodTemplate(spec.template, 'spec.template', { matchLabels: selector }));
  const policy = spec.template?.spec?.restartPolicy;
  if (policy && policy !== 'Always')
    errs.push(notSupported('spec.template.spec.restartPolicy', policy, ['Always']));
  return errs;
}

/** autoscaling/v1 Scale mapping for `kubectl scale rc`. */
export const rcScale: ScaleAdapter = {
  specReplicas: (obj) => asRC(obj).spec?.replicas ?? 0,
  setSpecReplicas: (obj, n) => {
    const holder = obj as { spec?: ReplicationController['spec'] };
    holder.spec ??= {};
    holder.spec.replicas = n;
  },
  statusReplicas: (obj) => asRC(obj).status?.replicas ?? 0,
  selector: (obj) => {
    const sel = asRC(obj).spec?.selector ?? {};
    return Object.keys(sel)
      .sort()
      .map((k) => `${k}=${sel[k]}`)
      .join(',');
  },
};

/** The replicationcontrollers resource. */
export const replicationControllersStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  singularName: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  hasStatus: true,
  scale: rcScale,
  defaults: defaultRC,
  prepareForCreate: (obj) => {
    (obj as { status?: unknown }).status = { replicas: 0 };
  },
  validate: validateRC,
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas for this replication controller.', { type: 'integer' }),
    AGE_COLUMN,
    column('Containers', 'Names of each container in the template.', { wide: true }),
    column('Images', 'Images referenced by each container in the template.', { wide: true }),
    column('Selector', 'Selector is a label query over pods that should match the Replicas count.', {
      wide: true,
    }),
  ],
  row: (obj, now) => {
    const rc = asRC(obj);
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return [
      obj.metadata.name,
      rc.spec?.replicas ?? 0,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      humanAge(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ];
  },
};
