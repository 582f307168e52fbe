/**
 * The shape every stored API object has. Typed access to a kind's fields comes from the
 * `kubernetes-types` package (e.g. `import type { Pod } from 'kubernetes-types/core/v1'`);
 * generic code (apiserver, store, selectors) works on this loose shape.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** `apiVersion` for a group and version: "v1" for the core group, "apps/v1" otherwise. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
