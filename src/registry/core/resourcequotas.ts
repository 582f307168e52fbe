/**
 * core/v1 resourcequotas: quantity and scope validation, status subresource (status.used is the
 * quota controller's), and the REQUEST / LIMIT cells kubectl prints ("pods: 1/10, cpu: 0/2").
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { isValidQuantity, parseQuantity } from '../common/quantity.js';
import { invalid, invalidEach, isQualifiedName, notSupported } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const SCOPES = [
  'BestEffort',
  'CrossNamespacePodAffinity',
  'NotBestEffort',
  'NotTerminating',
  'PriorityClass',
  'Terminating',
];

function asQuota(obj: KObject): ResourceQuota {
  return obj as unknown as ResourceQuota;
}

function validateQuota(obj: KObject): FieldError[] {
  const q = asQuota(obj);
  const errs = validateObjectMeta(obj);
  for (const [k, v] of Object.entries(q.spec?.hard ?? {})) {
    const f = `spec.hard[${k}]`;
    errs.push(...invalidEach(f, k, isQualifiedName(k)));
    if (!isValidQuantity(v)) errs.push(invalid(f, v, 'must be a valid resource quantity'));
    else if (parseQuantity(v) < 0) errs.push(invalid(f, v, 'must be greater than or equal to 0'));
  }
  (q.spec?.scopes ?? []).forEach((s, i) => {
    if (!SCOPES.includes(s)) errs.push(notSupported(`spec.scopes[${i}]`, s, SCOPES));
  });
  return errs;
}

/** REQUEST and LIMIT cells: "resource: used/hard" per hard resource, sorted; limits.* go right. */
export function quotaCells(q: ResourceQuota): [string, string] {
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(q.spec?.hard ?? {}).sort()) {
    const used = q.status?.used?.[name] ?? '0';
    const hard = q.status?.hard?.[name] ?? '0';
    const cell = `${name}: ${used}/${hard}`;
    const parts = name.split('.');
    (parts.length > 1 && parts[0] === 'limits' ? limit : request).push(cell);
  }
  return [request.join(', '), limit.join(', ')];
}

/** The resourcequotas resource. */
export const resourceQuotasStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  singularName: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  hasStatus: true,
  prepareForCreate: (obj) => {
    (obj as { status?: unknown }).status = {};
  },
  validate: validateQuota,
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column(
      'Limit',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
  ],
  row: (obj, now) => {
    const [request, limit] = quotaCells(asQuota(obj));
    return [obj.metadata.name, humanAge(obj.metadata.creationTimestamp, now), request, limit];
  },
};
