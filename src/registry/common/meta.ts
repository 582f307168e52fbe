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

export { deepEqual } from '../../api/deep-equal.js';

/** A JSON deep copy, for comparing "what the spec would be if only allowed fields changed". */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
