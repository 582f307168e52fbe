/**
 * Small object helpers shared by registry strategies: metadata validation (labels and
 * annotations, as ValidateObjectMeta does for every kind) and structural equality for
 * immutability checks.
 */
import type { KObject } from '../../api/object.js';
import type { FieldError } from '../types.js';
import { validateAnnotations, validateLabels } from './validation.js';

/** Labels and annotations of any object, at metadata.labels / metadata.annotations. */
export function validateObjectMeta(obj: KObject): FieldError[] {
  return [
    ...validateLabels(obj.metadata.labels, 'metadata.labels'),
    ...validateAnnotations(obj.metadata.annotations, 'metadata.annotations'),
  ];
}

/** Deep structural equality of JSON values; key order does not matter, undefined keys are ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/** A JSON deep copy, for comparing "what the spec would be if only allowed fields changed". */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
