/**
 * JSON value helpers shared by the three patch formats. Patch bodies come straight off the wire, so
 * object access goes through own-property helpers: a key named "__proto__" must stay plain data and
 * never reach an object's prototype.
 */
import { cloneJSON } from '../../api/clone.js';

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Own-property lookup: inherited members such as `constructor` or `__proto__` never count. */
export function hasKey(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** The own value at `key`, or undefined. */
export function getKey(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets an own data property, even for "__proto__" (plain assignment would change the prototype). */
export function setKey(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** A deep copy, so results never share structure with the caller's input. */
export function clone<T>(v: T): T {
  return v === undefined ? v : cloneJSON(v);
}

/** Structural JSON equality; object key order is irrelevant, array order is not. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => hasKey(b, k) && jsonEqual(a[k], b[k]));
}

/** JSON kind of a value, as the strategic-merge code compares element types. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** The JSON kind of `v`. */
export function kindOf(v: unknown): JsonKind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}

/** A short rendering of a value for error messages. */
export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}
