/**
 * The Kubernetes API schemas: OpenAPI v3 component schemas generated from kubernetes-types by
 * scripts/gen-schemas.mjs. Read from generated/definitions.json on first use (the build copies
 * it next to the bundle: JSON.parse of a file is far cheaper at start-up than the same data
 * compiled as JavaScript) and shared read-only by OpenAPI, field validation and patch metadata.
 */
import { existsSync, readFileSync } from 'node:fs';

/** One OpenAPI v3 schema as kube-apiserver publishes it (the subset skiff reads). */
export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Prefix of every `$ref` in a v3 document. */
export const REF_PREFIX = '#/components/schemas/';

/**
 * generated/definitions.json beside this module: in the sources, beside the bundle's entry, or
 * one folder up when this code landed in dist/chunks/.
 */
function definitionsFile(): URL {
  const candidates = ['./generated/definitions.json', '../generated/definitions.json'].map(
    (path) => new URL(path, import.meta.url),
  );
  return candidates.find((url) => existsSync(url)) ?? candidates[0];
}

let loaded: { definitions: Record<string, Schema>; byGVK: Map<string, string> } | undefined;

function schemas(): { definitions: Record<string, Schema>; byGVK: Map<string, string> } {
  if (loaded) return loaded;
  const definitions = JSON.parse(readFileSync(definitionsFile(), 'utf8')) as Record<string, Schema>;
  // "group/version/kind" -> definition name, from x-kubernetes-group-version-kind.
  const byGVK = new Map<string, string>();
  for (const [name, schema] of Object.entries(definitions)) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
      byGVK.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }
  loaded = { definitions, byGVK };
  return loaded;
}

/** The schema registered under a definition name, e.g. "io.k8s.api.core.v1.Pod". */
export function getDefinition(name: string): Schema | undefined {
  const { definitions } = schemas();
  return Object.hasOwn(definitions, name) ? definitions[name] : undefined;
}

/** All definition names (sorted, as generated). */
export function definitionNames(): string[] {
  return Object.keys(schemas().definitions);
}

/**
 * Kubernetes' definition name for a kind: "io.k8s.api.apps.v1.Deployment" for apps/v1
 * Deployment. Kinds without a built-in schema get the name kube-apiserver gives custom
 * resources: the group reversed, then version and kind ("com.example.stable.v1.CronTab").
 */
export function definitionName(group: string, version: string, kind: string): string {
  const known = schemas().byGVK.get(`${group}/${version}/${kind}`);
  if (known) return known;
  if (group === '') return `io.k8s.api.core.${version}.${kind}`;
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The definition a `$ref` string points at, or undefined when it is not a component ref. */
export function refTarget(ref: string): string | undefined {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}

/**
 * Follows `$ref` and the single-element `allOf: [{$ref}]` wrapping kube uses for described
 * fields, returning the schema that carries properties/items/type. Cycles cannot occur: every
 * hop lands on a named definition, and definitions never are bare refs.
 */
export function resolveSchema(schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; hops < 8; hops++) {
    const ref = current.$ref ?? (current.allOf?.length === 1 ? current.allOf[0].$ref : undefined);
    if (typeof ref !== 'string') return current;
    const target = refTarget(ref);
    const next = target ? getDefinition(target) : undefined;
    if (!next) return current;
    current = next;
  }
  return current;
}
