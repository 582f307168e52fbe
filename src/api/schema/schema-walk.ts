/**
 * How a value's fields map onto schemas, shared by the object walker and the raw-JSON scanner
 * of field validation. Follows kube-apiserver's typed decoding: declared properties are known,
 * additionalProperties maps accept any key, and schemas with neither (RawExtension, FieldsV1,
 * apiextensions JSON, Quantity, IntOrString) hold opaque values nobody checks.
 */
import { resolveSchema, type Schema } from './index.js';

/** What a field name means under an object schema. */
export type Child = Schema | 'unknown' | 'opaque';

const EMBEDDED_FIELDS: Record<string, Schema> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
};

/** The schema of field `key` of an object described by `schema`. */
export function childOf(schema: Schema, key: string): Child {
  const resolved = resolveSchema(schema);
  const props = resolved.properties;
  if (props && Object.hasOwn(props, key)) return props[key];
  if (resolved['x-kubernetes-embedded-resource'] && Object.hasOwn(EMBEDDED_FIELDS, key)) {
    return EMBEDDED_FIELDS[key];
  }
  const extra = resolved.additionalProperties;
  if (extra && typeof extra === 'object') return extra;
  if (resolved['x-kubernetes-preserve-unknown-fields'] || extra === true) return 'opaque';
  return props ? 'unknown' : 'opaque';
}

/** The schema of each element of an array described by `schema`. */
export function itemsOf(schema: Schema): Schema | 'opaque' {
  return resolveSchema(schema).items ?? 'opaque';
}

/** `path.key`, or `key` at the root: the dotted form kube-apiserver prints. */
export function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
