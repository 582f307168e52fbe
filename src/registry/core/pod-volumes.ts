/**
 * Validation of PodSpec.volumes: unique DNS-1123 names and exactly one volume source each.
 * Returns the set of names so container volumeMounts can be checked against it.
 */
import type { Volume } from 'kubernetes-types/core/v1.js';
import {
  duplicate,
  forbidden,
  invalid,
  invalidEach,
  isDNS1123Label,
  notSupported,
  required,
} from '../common/validation.js';
import type { FieldError } from '../types.js';

/** Every VolumeSource member of core/v1 Volume. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

const HOST_PATH_TYPES = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];

function validateSource(v: Volume, f: string): FieldError[] {
  const errs: FieldError[] = [];
  const src = v as unknown as Record<string, unknown>;
  const present = VOLUME_SOURCES.filter((k) => src[k] !== undefined && src[k] !== null);
  if (present.length === 0) errs.push(required(f, 'must specify a volume type'));
  if (present.length > 1)
    errs.push(forbidden(`${f}.${present[1]}`, 'may not specify more than 1 volume type'));
  if (v.hostPath) {
    if (!v.hostPath.path) errs.push(required(`${f}.hostPath.path`));
    if (v.hostPath.type && !HOST_PATH_TYPES.includes(v.hostPath.type)) {
      errs.push(notSupported(`${f}.hostPath.type`, v.hostPath.type, HOST_PATH_TYPES));
    }
  }
  if (v.secret && !v.secret.secretName) errs.push(required(`${f}.secret.secretName`));
  if (v.configMap && !v.configMap.name) errs.push(required(`${f}.configMap.name`));
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) {
    errs.push(required(`${f}.persistentVolumeClaim.claimName`));
  }
  for (const mode of [v.secret?.defaultMode, v.configMap?.defaultMode, v.projected?.defaultMode]) {
    if (mode !== undefined && (mode < 0 || mode > 0o777)) {
      errs.push(
        invalid(`${f}.defaultMode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive'),
      );
    }
  }
  return errs;
}

/** Validate the volumes list; `names` holds every declared volume name. */
export function validateVolumes(
  volumes: Volume[] | undefined,
  field: string,
): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const f = `${field}[${i}]`;
    if (!v.name) errors.push(required(`${f}.name`));
    else {
      errors.push(...invalidEach(`${f}.name`, v.name, isDNS1123Label(v.name)));
      if (names.has(v.name)) errors.push(duplicate(`${f}.name`, v.name));
      names.add(v.name);
    }
    errors.push(...validateSource(v, f));
  });
  return { errors, names };
}
