/**
 * core/v1 persistentvolumes: cluster-scoped, Retain/Filesystem defaults, Pending phase on
 * create, capacity/access modes/exactly-one-source validation, and kubectl's PV columns.
 */
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { isValidQuantity } from '../common/quantity.js';
import { forbidden, invalid, notSupported, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

/** Access modes as kubectl abbreviates them, in its fixed order. */
const MODE_ABBREV: Array<[string, string]> = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];
/** Every access mode Kubernetes accepts. */
export const ACCESS_MODES = MODE_ABBREV.map(([m]) => m);
const RECLAIM = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_SOURCES = [
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'csi',
  'fc',
  'flexVolume',
  'flocker',
  'gcePersistentDisk',
  'glusterfs',
  'hostPath',
  'iscsi',
  'local',
  'nfs',
  'photonPersistentDisk',
  'portworxVolume',
  'quobyte',
  'rbd',
  'scaleIO',
  'storageos',
  'vsphereVolume',
];

/** "RWO,RWX" as GetAccessModesAsString prints them. */
export function accessModesString(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return MODE_ABBREV.filter(([m]) => set.has(m))
    .map(([, a]) => a)
    .join(',');
}

/** Storage class from the legacy beta annotation, else spec.storageClassName. */
export function storageClassOf(obj: KObject, specClass: string | undefined): string {
  return obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? specClass ?? '';
}

/** Access mode and volume mode checks shared with claims. */
export function validateModes(
  modes: string[] | undefined,
  volumeMode: string | undefined,
  f: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!modes?.length) errs.push(required(`${f}.accessModes`));
  for (const m of modes ?? [])
    if (!ACCESS_MODES.includes(m)) errs.push(notSupported(`${f}.accessModes`, m, ACCESS_MODES));
  if (modes?.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(forbidden(`${f}.accessModes`, 'may not use ReadWriteOncePod with other access modes'));
  }
  if (volumeMode && !VOLUME_MODES.includes(volumeMode))
    errs.push(notSupported(`${f}.volumeMode`, volumeMode, VOLUME_MODES));
  return errs;
}

function validatePV(obj: KObject): FieldError[] {
  const spec = (obj as unknown as PersistentVolume).spec ?? {};
  const errs = [...validateObjectMeta(obj), ...validateModes(spec.accessModes, spec.volumeMode, 'spec')];
  const storage = spec.capacity?.storage;
  if (storage === undefined) errs.push(required('spec.capacity'));
  else if (!isValidQuantity(storage))
    errs.push(invalid('spec.capacity[storage]', storage, 'must be a valid resource quantity'));
  const sources = PV_SOURCES.filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  if (sources.length > 1)
    errs.push(forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  if (spec.persistentVolumeReclaimPolicy && !RECLAIM.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(
      notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM),
    );
  }
  if (spec.local && !spec.nodeAffinity)
    errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  return errs;
}

function pvRow(obj: KObject, now: Date): unknown[] {
  const pv = obj as unknown as PersistentVolume;
  const spec = pv.spec ?? {};
  const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
  const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
  return [
    obj.metadata.name,
    spec.capacity?.storage ?? '',
    accessModesString(spec.accessModes),
    spec.persistentVolumeReclaimPolicy ?? '',
    phase,
    claim,
    storageClassOf(obj, spec.storageClassName),
    spec.volumeAttributesClassName ?? '<unset>',
    pv.status?.reason ?? '',
    humanAge(obj.metadata.creationTimestamp, now),
    spec.volumeMode ?? '<unset>',
  ];
}

/** The persistentvolumes resource. */
export const persistentVolumesStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  resource: 'persistentvolumes',
  singularName: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  hasStatus: true,
  defaults: (obj) => {
    const spec = (obj as unknown as PersistentVolume).spec;
    if (!spec) return;
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate: (obj) => {
    (obj as { status?: unknown }).status = { phase: 'Pending' };
  },
  validate: validatePV,
  columns: [
    NAME_COLUMN,
    column('Capacity', "capacity is the description of the persistent volume's resources and capacity."),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    column(
      'Reclaim Policy',
      'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.',
    ),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column(
      'Claim',
      'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.',
    ),
    column('StorageClass', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    column(
      'Reason',
      'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
    ),
    AGE_COLUMN,
    column(
      'VolumeMode',
      'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.',
      { wide: true },
    ),
  ],
  row: pvRow,
};
