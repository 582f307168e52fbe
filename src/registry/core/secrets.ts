/**
 * core/v1 secrets: stringData folded into base64 data on every write, type Opaque by default,
 * key and size checks, the keys each built-in type requires, immutable type and `immutable`.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { immutable, invalid, invalidEach, isConfigMapKey, required, tooLong } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import { MAX_DATA_SIZE, validateImmutableData } from './configmaps.js';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Keys a typed secret must carry, as in ValidateSecret. */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** Move stringData into data as base64 (stringData wins on conflicts) and drop it. */
export function mergeStringData(obj: KObject): void {
  const stringData = obj.stringData as Record<string, string> | undefined;
  if (stringData) {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
}

function decodedJSON(b64: string | undefined): boolean {
  try {
    JSON.parse(Buffer.from(b64 ?? '', 'base64').toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function validateType(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data = secret.data ?? {};
  const type = secret.type ?? 'Opaque';
  for (const key of REQUIRED_KEYS[type] ?? []) if (!(key in data)) errs.push(required(`data[${key}]`));
  if (
    type === 'kubernetes.io/service-account-token' &&
    !secret.metadata?.annotations?.['kubernetes.io/service-account.name']
  ) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required('data[username]'), required('data[password]'));
  }
  if (
    type === 'kubernetes.io/dockerconfigjson' &&
    '.dockerconfigjson' in data &&
    !decodedJSON(data['.dockerconfigjson'])
  ) {
    errs.push(invalid('data[.dockerconfigjson]', '<secret contents redacted>', 'invalid JSON'));
  }
  return errs;
}

function validateSecret(obj: KObject): FieldError[] {
  const secret = obj as unknown as Secret;
  const errs = validateObjectMeta(obj);
  let size = 0;
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    errs.push(...invalidEach(`data[${k}]`, k, isConfigMapKey(k)));
    if (!BASE64_RE.test(String(v)))
      errs.push(invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    size += Buffer.from(String(v), 'base64').length;
  }
  if (size > MAX_DATA_SIZE) errs.push(tooLong('data', MAX_DATA_SIZE));
  return [...errs, ...validateType(secret)];
}

function validateSecretUpdate(obj: KObject, old: KObject): FieldError[] {
  const s = obj as unknown as Secret;
  const o = old as unknown as Secret;
  const errs: FieldError[] = [];
  if ((s.type ?? 'Opaque') !== (o.type ?? 'Opaque')) errs.push(immutable('type', s.type ?? ''));
  return [...errs, ...validateImmutableData(s, o)];
}

/** The secrets resource. */
export const secretsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  resource: 'secrets',
  singularName: 'secret',
  namespaced: true,
  defaults: (obj) => {
    obj.type ??= 'Opaque';
  },
  prepareForCreate: mergeStringData,
  prepareForUpdate: mergeStringData,
  validate: validateSecret,
  validateUpdate: validateSecretUpdate,
  columns: [
    NAME_COLUMN,
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Data contains the secret data.'),
    AGE_COLUMN,
  ],
  row: (obj, now) => [
    obj.metadata.name,
    (obj.type as string | undefined) ?? 'Opaque',
    Object.keys((obj.data as object | undefined) ?? {}).length,
    humanAge(obj.metadata.creationTimestamp, now),
  ],
  fieldSelectors: { type: (o) => (o.type as string | undefined) ?? '' },
};
