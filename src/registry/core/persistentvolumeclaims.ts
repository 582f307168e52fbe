/**
 * core/v1 persistentvolumeclaims: Filesystem default, Pending phase on create, request and
 * access-mode validation, a spec that only allows binding (volumeName from empty), storage
 * growth and volumeAttributesClassName changes after creation, and kubectl's PVC columns.
 */
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { clone, deepEqual, validateObjectMeta } from '../common/meta.js';
import { isValidQuantity, parseQuantity } from '../common/quantity.js';
import { forbidden, invalid, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import { accessModesString, storageClassOf, validateModes } from './persistentvolumes.js';

function asClaim(obj: KObject): PersistentVolumeClaim {
  return obj as unknown as PersistentVolumeClaim;
}

function validateClaim(obj: KObject): FieldError[] {
  const spec = asClaim(obj).spec ?? {};
  const errs = [...validateObjectMeta(obj), ...validateModes(spec.accessModes, spec.volumeMode, 'spec')];
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) errs.push(required('spec.resources[storage]'));
  else if (!isValidQuantity(storage))
    errs.push(invalid('spec.resources.requests[storage]', storage, 'must be a valid resource quantity'));
  else if (parseQuantity(storage) <= 0)
    errs.push(invalid('spec.resources.requests[storage]', storage, 'must be greater than zero'));
  return errs;
}

const SPEC_IMMUTABLE =
  'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

function validateClaimUpdate(obj: KObject, old: KObject): FieldError[] {
  const next = clone(asClaim(obj).spec ?? {});
  const prev = asClaim(old).spec ?? {};
  const errs: FieldError[] = [];
  const newStorage = next.resources?.requests?.storage;
  const oldStorage = prev.resources?.requests?.storage;
  if (
    newStorage !== undefined &&
    oldStorage !== undefined &&
    isValidQuantity(newStorage) &&
    isValidQuantity(oldStorage)
  ) {
    if (parseQuantity(newStorage) < parseQuantity(oldStorage)) {
      errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
    }
  }
  next.resources = prev.resources;
  if (!prev.volumeName) next.volumeName = prev.volumeName;
  next.volumeAttributesClassName = prev.volumeAttributesClassName;
  // A class may be set once on claims created before a default class existed.
  if (!prev.storageClassName) next.storageClassName = prev.storageClassName;
  if (!deepEqual(next, prev)) errs.push(forbidden('spec', SPEC_IMMUTABLE));
  return errs;
}

function claimRow(obj: KObject, now: Date): unknown[] {
  const pvc = asClaim(obj);
  const spec = pvc.spec ?? {};
  const bound = !!spec.volumeName;
  return [
    obj.metadata.name,
    obj.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
    spec.volumeName ?? '',
    bound ? (pvc.status?.capacity?.storage ?? '') : '',
    bound ? accessModesString(pvc.status?.accessModes) : '',
    storageClassOf(obj, spec.storageClassName),
    spec.volumeAttributesClassName ?? '<unset>',
    humanAge(obj.metadata.creationTimestamp, now),
    spec.volumeMode ?? '<unset>',
  ];
}

/** The persistentvolumeclaims resource. */
export const persistentVolumeClaimsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  resource: 'persistentvolumeclaims',
  singularName: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  hasStatus: true,
  defaults: (obj) => {
    const spec = asClaim(obj).spec;
    if (spec) spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate: (obj) => {
    (obj as { status?: unknown }).status = { phase: 'Pending' };
  },
  validate: validateClaim,
  validateUpdate: validateClaimUpdate,
  columns: [
    NAME_COLUMN,
    column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    column('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { wide: true }),
  ],
  row: claimRow,
};
