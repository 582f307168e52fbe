/**
 * The shape every stored API object has. Typed access to a kind's fields comes from the
 * `kubernetes-types` package (e.g. `import type { Pod } from 'kubernetes-types/core/v1.js'`);
 * generic code (apiserver, store, selectors) works on this loose shape.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** ObjectMeta without kubernetes-types' readonly marks: the server is who sets those fields. */
export type ObjectMetaWritable = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaWritable;
  [field: string]: unknown;
}

/** `apiVersion` for a group and version: "v1" for the core group, "apps/v1" otherwise. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
