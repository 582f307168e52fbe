/**
 * core/v1 configmaps: key format, no key in both data and binaryData, a 1 MiB total, and the
 * `immutable: true` lock on later updates.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { deepEqual, validateObjectMeta } from '../common/meta.js';
import { forbidden, invalid, invalidEach, isConfigMapKey, tooLong } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

/** Largest total size of a ConfigMap's or Secret's data (MaxSecretSize). */
export const MAX_DATA_SIZE = 1024 * 1024;

function validateConfigMap(obj: KObject): FieldError[] {
  const cm = obj as unknown as ConfigMap;
  const errs = validateObjectMeta(obj);
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    errs.push(...invalidEach(`data[${k}]`, k, isConfigMapKey(k)));
    if (cm.binaryData && Object.hasOwn(cm.binaryData, k)) {
      errs.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    }
    size += Buffer.byteLength(String(v));
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    errs.push(...invalidEach(`binaryData[${k}]`, k, isConfigMapKey(k)));
    size += Buffer.from(String(v), 'base64').length;
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong('', MAX_DATA_SIZE));
  return errs;
}

/** The rule shared with secrets: once `immutable` is true, neither data nor the flag may change. */
export function validateImmutableData(
  obj: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  old: { immutable?: boolean; data?: unknown; binaryData?: unknown },
): FieldError[] {
  if (!old.immutable) return [];
  const errs: FieldError[] = [];
  if (!obj.immutable) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  if (!deepEqual(obj.data, old.data))
    errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  if (!deepEqual(obj.binaryData, old.binaryData)) {
    errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

/** The configmaps resource. */
export const configMapsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  singularName: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  validate: validateConfigMap,
  validateUpdate: (obj, old) => validateImmutableData(obj as ConfigMap, old as ConfigMap),
  columns: [NAME_COLUMN, column('Data', 'Data contains the configuration data.'), AGE_COLUMN],
  row: (obj, now) => {
    const cm = obj as unknown as ConfigMap;
    const n = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [obj.metadata.name, n, humanAge(obj.metadata.creationTimestamp, now)];
  },
};
