/**
 * Test fixture: builds a PatchMeta from a plain nested description, so patch tests can state the
 * few struct tags they rely on without the OpenAPI-backed schema module. A description node lists
 * its fields by name; `$strategy` / `$key` give the node's own patchStrategy / patchMergeKey,
 * `$items` describes list elements and `$values` map values. Fields not described are unknown.
 *
 *   metaFrom({ spec: { containers: { $strategy: 'merge', $key: 'name', $items: { env: {...} } } } })
 */
import type { PatchMeta } from '../../api/schema/patch-meta.js';

/** A description node: fields by name plus the reserved `$` entries. */
export interface MetaDesc {
  $strategy?: string;
  $key?: string;
  $items?: MetaDesc;
  $values?: MetaDesc;
  [field: string]: MetaDesc | string | undefined;
}

/** Builds a PatchMeta tree from `desc`. */
export function metaFrom(desc: MetaDesc): PatchMeta {
  return {
    patchStrategy: desc.$strategy,
    patchMergeKey: desc.$key,
    field(name: string): PatchMeta | undefined {
      const child = name.startsWith('$') || !Object.hasOwn(desc, name) ? undefined : desc[name];
      return typeof child === 'object' ? metaFrom(child) : undefined;
    },
    items: () => (desc.$items ? metaFrom(desc.$items) : undefined),
    values: () => (desc.$values ? metaFrom(desc.$values) : undefined),
  };
}

/** Shorthand for a list merged by `key` (or a merged primitive list when `key` is omitted). */
export function mergeList(key?: string, items?: MetaDesc, strategy = 'merge'): MetaDesc {
  return { $strategy: strategy, $key: key, $items: items };
}
