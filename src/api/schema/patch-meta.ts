/**
 * Strategic-merge-patch metadata: what Kubernetes keeps in struct tags (`patchStrategy`,
 * `patchMergeKey`) and publishes in OpenAPI as `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key`. The patch code walks this alongside the document; the schema
 * module builds it from the served schemas.
 */
export interface PatchMeta {
  /** Metadata for a field of the object this node describes; undefined for unknown fields. */
  field(name: string): PatchMeta | undefined;
  /** For list fields: the metadata of each element. */
  items(): PatchMeta | undefined;
  /** For map fields (additionalProperties): the metadata of each value. */
  values(): PatchMeta | undefined;
  /** The field's patch strategy: comma-separated "merge", "retainKeys", "replace", or undefined. */
  readonly patchStrategy?: string;
  /** For lists of objects merged by key: the key field name (e.g. "name", "containerPort"). */
  readonly patchMergeKey?: string;
}
