/**
 * core/v1 limitranges: per-item defaults (max → default → defaultRequest, min → defaultRequest
 * for containers), type and quantity validation with min ≤ defaultRequest ≤ default ≤ max.
 */
import type { LimitRange, LimitRangeItem } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { column, NAME_COLUMN } from '../common/columns.js';
import { validateObjectMeta } from '../common/meta.js';
import { isValidQuantity, parseQuantity } from '../common/quantity.js';
import { forbidden, invalid, notSupported, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];
const MAPS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

type QMap = Record<string, string | number>;

function defaultItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const max = (item.max ?? {}) as QMap;
  const min = (item.min ?? {}) as QMap;
  item.default ??= {};
  item.defaultRequest ??= {};
  const def = item.default as QMap;
  const req = item.defaultRequest as QMap;
  for (const [k, v] of Object.entries(max)) def[k] ??= v;
  for (const [k, v] of Object.entries(def)) req[k] ??= v;
  for (const [k, v] of Object.entries(min)) req[k] ??= v;
  if (Object.keys(def).length === 0) delete item.default;
  if (Object.keys(req).length === 0) delete item.defaultRequest;
}

function compare(errs: FieldError[], f: string, lo: QMap, hi: QMap, loName: string, hiName: string): void {
  for (const [k, v] of Object.entries(lo)) {
    const h = hi[k];
    if (h === undefined || !isValidQuantity(v) || !isValidQuantity(h)) continue;
    if (parseQuantity(v) > parseQuantity(h)) {
      errs.push(
        invalid(
          `${f}.${loName}[${k}]`,
          String(v),
          `${loName} value ${v} is greater than ${hiName} value ${h}`,
        ),
      );
    }
  }
}

function validateItem(item: LimitRangeItem, f: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!item.type) errs.push(required(`${f}.type`));
  else if (!TYPES.includes(item.type)) errs.push(notSupported(`${f}.type`, item.type, TYPES));
  for (const m of MAPS) {
    for (const [k, v] of Object.entries((item[m] ?? {}) as QMap)) {
      if (!isValidQuantity(v)) errs.push(invalid(`${f}.${m}[${k}]`, v, 'must be a valid resource quantity'));
    }
  }
  if (item.type === 'Pod' && (item.default || item.defaultRequest)) {
    errs.push(forbidden(`${f}.default`, "may not be specified when `type` is 'Pod'"));
  }
  const max = (item.max ?? {}) as QMap;
  const min = (item.min ?? {}) as QMap;
  const def = (item.default ?? {}) as QMap;
  const req = (item.defaultRequest ?? {}) as QMap;
  compare(errs, f, min, max, 'min', 'max');
  compare(errs, f, req, def, 'defaultRequest', 'default');
  compare(errs, f, def, max, 'default', 'max');
  compare(errs, f, min, req, 'min', 'defaultRequest');
  return errs;
}

/** The limitranges resource. */
export const limitRangesStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  resource: 'limitranges',
  singularName: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  defaults: (obj) => {
    for (const item of (obj as unknown as LimitRange).spec?.limits ?? []) defaultItem(item);
  },
  validate: (obj: KObject) => {
    const errs = validateObjectMeta(obj);
    const limits = (obj as unknown as LimitRange).spec?.limits;
    if (!limits) errs.push(required('spec.limits'));
    (limits ?? []).forEach((item, i) => {
      errs.push(...validateItem(item, `spec.limits[${i}]`));
    });
    return errs;
  },
  columns: [NAME_COLUMN, column('Created At', 'CreationTimestamp of the LimitRange', { type: 'date' })],
  row: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp ?? ''],
};
