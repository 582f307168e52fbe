/**
 * storage.k8s.io/v1 StorageClass (cluster-scoped): reclaimPolicy and volumeBindingMode defaults,
 * ValidateStorageClass, the fields that may never change, and kubectl's table with its
 * "(default)" marker.
 */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KObject } from '../../api/object.js';
import { semanticEqual, validateImmutable } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  forbidden,
  invalid,
  invalidEach,
  isQualifiedName,
  notSupported,
  required,
  tooLong,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** Annotations that mark the class PVCs without a storageClassName get. */
export const DEFAULT_STORAGE_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

/** Whether a StorageClass is annotated as the cluster default. */
export function isDefaultStorageClass(obj: KObject): boolean {
  return DEFAULT_STORAGE_CLASS_ANNOTATIONS.some((a) => obj.metadata.annotations?.[a] === 'true');
}

function validateStorageClass(obj: KObject): FieldError[] {
  const sc = obj as unknown as StorageClass;
  const errs = [...validateObjectMeta(obj)];
  if (!sc.provisioner) errs.push(required('provisioner'));
  else
    errs.push(...invalidEach('provisioner', sc.provisioner, isQualifiedName(sc.provisioner.toLowerCase())));
  let size = 0;
  for (const [k, v] of Object.entries(sc.parameters ?? {})) {
    if (k.length < 1) errs.push(invalid('parameters', k, 'field can not be empty.'));
    size += k.length + String(v).length;
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', MAX_PARAMETERS_SIZE));
  if (sc.reclaimPolicy && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) {
    errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  }
  if (!sc.volumeBindingMode) errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(sc.volumeBindingMode)) {
    errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  }
  return errs;
}

function validateStorageClassUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(obj.parameters, old.parameters)) {
    errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  }
  if (obj.provisioner !== old.provisioner)
    errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (obj.reclaimPolicy !== old.reclaimPolicy) {
    errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  }
  errs.push(...validateImmutable(obj.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}

/** storage.k8s.io/v1 storageclasses. */
export const storageClassStrategy: ResourceStrategy = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  resource: 'storageclasses',
  singularName: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  defaults: (obj) => {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
  columns: [
    NAME_COLUMN,
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column(
      'ReclaimPolicy',
      'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.',
    ),
    column(
      'VolumeBindingMode',
      'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.',
    ),
    column(
      'AllowVolumeExpansion',
      'allowVolumeExpansion shows whether the storage class allow volume expand.',
    ),
    AGE_COLUMN,
  ],
  row: (obj, now) => {
    const sc = obj as unknown as StorageClass;
    const name = sc.metadata?.name ?? '';
    return [
      isDefaultStorageClass(obj) ? `${name} (default)` : name,
      sc.provisioner,
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion ?? false,
      humanAge(sc.metadata?.creationTimestamp, now),
    ];
  },
};
