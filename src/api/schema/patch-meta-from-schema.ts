/**
 * PatchMeta over the generated OpenAPI schemas: the strategic-merge-patch code asks, field by
 * field, which lists merge by which key. The strategy and key sit on the property schema itself
 * (next to its `allOf: [{$ref}]`), while the nested fields come from the referenced definition.
 */
import { definitionName, getDefinition, REF_PREFIX, resolveSchema, type Schema } from './index.js';
import type { PatchMeta } from './patch-meta.js';

class SchemaPatchMeta implements PatchMeta {
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  private fields?: Map<string, PatchMeta | undefined>;
  private itemMeta?: PatchMeta | null;
  private valueMeta?: PatchMeta | null;

  constructor(private readonly schema: Schema) {
    this.patchStrategy = schema['x-kubernetes-patch-strategy'];
    this.patchMergeKey = schema['x-kubernetes-patch-merge-key'];
  }

  field(name: string): PatchMeta | undefined {
    this.fields ??= new Map();
    if (!this.fields.has(name)) {
      const prop = resolveSchema(this.schema).properties?.[name];
      this.fields.set(name, prop ? metaOf(prop) : undefined);
    }
    return this.fields.get(name);
  }

  items(): PatchMeta | undefined {
    if (this.itemMeta === undefined) {
      const items = resolveSchema(this.schema).items;
      this.itemMeta = items ? metaOf(items) : null;
    }
    return this.itemMeta ?? undefined;
  }

  values(): PatchMeta | undefined {
    if (this.valueMeta === undefined) {
      const values = resolveSchema(this.schema).additionalProperties;
      this.valueMeta = values && typeof values === 'object' ? metaOf(values) : null;
    }
    return this.valueMeta ?? undefined;
  }
}

/** One PatchMeta per schema object, so repeated walks share work and memory. */
const cache = new WeakMap<Schema, PatchMeta>();

function metaOf(schema: Schema): PatchMeta {
  let meta = cache.get(schema);
  if (!meta) {
    meta = new SchemaPatchMeta(schema);
    cache.set(schema, meta);
  }
  return meta;
}

/**
 * Patch metadata for a kind, or undefined when skiff has no schema for it (custom resources:
 * Kubernetes answers strategic merge patches on those with 415, callers use JSON merge patch).
 */
export function patchMetaFor(group: string, version: string, kind: string): PatchMeta | undefined {
  const name = definitionName(group, version, kind);
  const def = getDefinition(name);
  if (!def) return undefined;
  return metaOf(rootRef(name));
}

const roots = new Map<string, Schema>();

/** A stable `{$ref}` object per definition, so the WeakMap cache hits on every call. */
function rootRef(name: string): Schema {
  let ref = roots.get(name);
  if (!ref) {
    ref = { $ref: `${REF_PREFIX}${name}` };
    roots.set(name, ref);
  }
  return ref;
}
