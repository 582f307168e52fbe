/**
 * The message schema the decoder walks: parses the compact tables in messages/ into field specs,
 * and maps a top-level apiVersion/kind to its message. The notation is described in README.md.
 */
import { ALL_TABLES } from './messages/index.js';

/** One API package's messages, as written in messages/*.ts. */
export interface MessageTable {
  /** Short package name, e.g. `core.v1`, `meta.v1`, `resource`. */
  package: string;
  /** Message name → `json number [type]; ...` */
  messages: Record<string, string>;
}

export type ScalarType =
  | 'string'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'bytes'
  | 'double'
  | 'float';

/** A field type: a scalar, `msg:<package.Message>`, or `map:<key>:<value type>`. */
export type FieldType = ScalarType | `msg:${string}` | `map:${string}:${string}`;

/** One field of a message. */
export interface FieldSpec {
  n: number;
  json: string;
  t: FieldType;
  rep?: true;
  /** A Go pointer scalar: present on the wire means set, even to the zero value. */
  ptr?: true;
  /** A non-pointer scalar without `omitempty`: Go prints it even when zero. */
  emitZero?: true;
  /** A Go embedded struct marshalled `json:",inline"`: its fields belong to the parent object. */
  inline?: true;
}

/** A parsed message: its fields by number. */
export interface MessageSpec {
  name: string;
  fields: readonly FieldSpec[];
  byNumber: ReadonlyMap<number, FieldSpec>;
}

const SCALARS = new Set<string>([
  'string',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'bool',
  'bytes',
  'double',
  'float',
]);

const raw = new Map<string, string>();
const packages = new Set<string>();
for (const table of ALL_TABLES) {
  packages.add(table.package);
  for (const [name, fields] of Object.entries(table.messages)) raw.set(`${table.package}.${name}`, fields);
}
const packageOf = (name: string) => name.slice(0, name.lastIndexOf('.'));
const parsed = new Map<string, MessageSpec>();

/** The spec of a message by qualified name (`core.v1.Pod`), or undefined. */
export function messageSpec(name: string): MessageSpec | undefined {
  let spec = parsed.get(name);
  if (spec) return spec;
  const text = raw.get(name);
  if (text === undefined) return undefined;
  const fields = text === '' ? [] : text.split(';').map((f) => parseField(f.trim(), packageOf(name), name));
  spec = { name, fields, byNumber: new Map(fields.map((f) => [f.n, f])) };
  parsed.set(name, spec);
  return spec;
}

/** Every qualified message name in the tables. */
export function allMessageNames(): string[] {
  return [...raw.keys()];
}

function parseField(text: string, pkg: string, owner: string): FieldSpec {
  const [json, num, typeText = 'string', extra] = text.split(' ');
  const n = Number(num);
  if (!json || !Number.isInteger(n) || n < 1 || extra !== undefined) {
    throw new Error(`protobuf table ${owner}: bad field "${text}"`);
  }
  const field: FieldSpec = { n, json, t: 'string' };
  let t = typeText;
  if (t.startsWith('[]')) {
    field.rep = true;
    t = t.slice(2);
  }
  if (t.startsWith('...')) {
    field.inline = true;
    t = t.slice(3);
  }
  if (t.startsWith('*')) {
    field.ptr = true;
    t = t.slice(1);
  } else if (t.startsWith('!')) {
    field.emitZero = true;
    t = t.slice(1);
  }
  field.t = parseType(t, pkg, owner);
  return field;
}

function parseType(t: string, pkg: string, owner: string): FieldType {
  if (SCALARS.has(t)) return t as ScalarType;
  const map = /^map<(\w+),(.+)>$/.exec(t);
  if (map) return `map:${parseType(map[1]!, pkg, owner)}:${parseType(map[2]!, pkg, owner)}`;
  if (!/^[\w.]+$/.test(t)) throw new Error(`protobuf table ${owner}: bad type "${t}"`);
  return `msg:${t.includes('.') ? t : `${pkg}.${t}`}`;
}

/** API group (as in apiVersion) → package name prefix in the tables. */
const GROUPS: Record<string, string> = {
  '': 'core',
  apps: 'apps',
  batch: 'batch',
  policy: 'policy',
  autoscaling: 'autoscaling',
  'networking.k8s.io': 'networking',
  'scheduling.k8s.io': 'scheduling',
  'coordination.k8s.io': 'coordination',
  'authentication.k8s.io': 'authentication',
  'authorization.k8s.io': 'authorization',
  'rbac.authorization.k8s.io': 'rbac',
  'certificates.k8s.io': 'certificates',
  'discovery.k8s.io': 'discovery',
  'storage.k8s.io': 'storage',
  'events.k8s.io': 'events',
  'node.k8s.io': 'node',
};

/** meta/v1 kinds every group version registers (typed clients send DeleteOptions as a body). */
const META_KINDS = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'Status']);

/**
 * The message for a top-level object, or undefined when this server cannot decode it. Only
 * messages with `metadata` count as kinds, so a nested type name (`PodSpec`) is refused.
 */
export function kindMessage(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const prefix = GROUPS[group];
  const pkg = `${prefix}.${version}`;
  if (prefix === undefined || !packages.has(pkg)) return undefined;
  if (META_KINDS.has(kind)) return `meta.v1.${kind}`;
  const name = `${pkg}.${kind}`;
  const spec = messageSpec(name);
  return spec?.fields.some((f) => f.json === 'metadata') ? name : undefined;
}
