/**
 * Generates src/api/schema/generated/definitions.json: the OpenAPI v3 component schemas of the
 * Kubernetes API, keyed by Kubernetes' definition names (io.k8s.api.apps.v1.Deployment, ...).
 *
 * The source is the kubernetes-types package: its .d.ts files carry every API struct as an
 * interface with the Go doc comments as JSDoc. What the TypeScript types cannot say (patch
 * strategies, list types, int64 vs int32, the x-kubernetes-* fields of JSONSchemaProps) comes from
 * small tables here and in src/api/schema/patch-strategies.json. The output shape follows what
 * kube-apiserver 1.32 serves under /openapi/v3 so kubectl explain/apply read it unchanged.
 *
 * Usage: node scripts/gen-schemas.mjs
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const typesDir = join(root, 'node_modules', 'kubernetes-types');
const schemaDir = join(root, 'src', 'api', 'schema');
const outFile = join(schemaDir, 'generated', 'definitions.json');

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Go fields declared int64 (kubernetes-types only says `number`); everything else integer is int32. */
const INT64_FIELDS = new Set([
  'generation',
  'observedGeneration',
  'deletionGracePeriodSeconds',
  'remainingItemCount',
  'gracePeriodSeconds',
  'activeDeadlineSeconds',
  'terminationGracePeriodSeconds',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'supplementalGroups',
  'revision',
  'startingDeadlineSeconds',
  'tolerationSeconds',
  'uid',
  'gid',
  'maxItems',
  'maxLength',
  'maxProperties',
  'minItems',
  'minLength',
  'minProperties',
]);

/** Go float64 fields. */
const DOUBLE_FIELDS = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.maximum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.minimum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.multipleOf',
]);

const EXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/**
 * Properties whose JSON names are not TypeScript identifiers, which kubernetes-types drops.
 * Without them a CRD using x-kubernetes-* would fail strict field validation.
 */
const EXTRA_PROPERTIES = {
  [`${EXT}.JSONSchemaProps`]: {
    'x-kubernetes-embedded-resource': {
      type: 'boolean',
      description:
        'x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta. The type must be object. It is allowed to further restrict the embedded object. kind, apiVersion and metadata are validated automatically. x-kubernetes-preserve-unknown-fields is allowed to be true, but does not have to be if the object is fully specified (up to kind, apiVersion, metadata).',
    },
    'x-kubernetes-int-or-string': {
      type: 'boolean',
      description:
        'x-kubernetes-int-or-string specifies that this value is either an integer or a string. If this is true, an empty type is allowed and type as child of anyOf is permitted if following one of the following patterns: 1) anyOf: type: integer, type: string; 2) allOf: anyOf: type: integer, type: string, ... zero or more',
    },
    'x-kubernetes-list-map-keys': {
      type: 'array',
      items: { type: 'string', default: '' },
      'x-kubernetes-list-type': 'atomic',
      description:
        'x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map. This tag MUST only be used on lists that have the "x-kubernetes-list-type" extension set to "map". Also, the values specified for this attribute must be a scalar typed field of the child structure (no nesting is supported). The properties specified must either be required or have a default value, to ensure those properties are present for all list items.',
    },
    'x-kubernetes-list-type': {
      type: 'string',
      description:
        'x-kubernetes-list-type annotates an array to further describe its topology. This extension must only be used on lists and may have 3 possible values: 1) `atomic`: the list is treated as a single entity, like a scalar. Atomic lists will be entirely replaced when updated. This extension may be used on any type of list (struct, scalar, ...). 2) `set`: Sets are lists that must not have multiple items with the same value. Each value must be a scalar, an object with x-kubernetes-map-type `atomic` or an array with x-kubernetes-list-type `atomic`. 3) `map`: These lists are like maps in that their elements have a non-index key used to identify them. Order is preserved upon merge. The map tag must only be used on a list with elements of type object. Defaults to atomic for arrays.',
    },
    'x-kubernetes-map-type': {
      type: 'string',
      description:
        'x-kubernetes-map-type annotates an object to further describe its topology. This extension must only be used when type is object and may have 2 possible values: 1) `granular`: These maps are actual maps (key-value pairs) and each fields are independent from each other (they can each be manipulated by separate actors). This is the default behaviour for all maps. 2) `atomic`: the list is treated as a single entity, like a scalar. Atomic maps will be entirely replaced when updated.',
    },
    'x-kubernetes-preserve-unknown-fields': {
      type: 'boolean',
      description:
        'x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema. This affects fields recursively, but switches back to normal pruning behaviour if nested properties or additionalProperties are specified in the schema. This can either be true or undefined. False is forbidden.',
    },
    'x-kubernetes-validations': {
      type: 'array',
      items: { allOf: [{ $ref: `#/components/schemas/${EXT}.ValidationRule` }], default: {} },
      'x-kubernetes-list-map-keys': ['rule'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'rule',
      'x-kubernetes-patch-strategy': 'merge',
      description:
        'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.',
    },
  },
};

/** Meta kinds whose TypeScript apiVersion is a plain string but which kube tags with a GVK. */
const META_GVKS = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status': 'Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': 'DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent': 'WatchEvent',
};

/** Package (Go import path, dotted) of a kubernetes-types module such as "apps/v1". */
function packageOf(module) {
  if (module === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (module === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (module === 'apiextensions/v1') return EXT;
  return `io.k8s.api.${module.replace('/', '.')}`;
}

function listDts(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listDts(path));
    else if (entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

function jsdocOf(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter((d) => ts.isJSDoc(d));
  const last = docs[docs.length - 1];
  if (!last?.comment) return undefined;
  const text = ts.getTextOfJSDocComment(last.comment)?.trim();
  return text || undefined;
}

/** Parses one .d.ts file into its declarations and a map from imported name to module. */
function parseModule(file) {
  const module = relative(typesDir, file).replace(/\.d\.ts$/, '');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports = new Map();
  const decls = [];
  for (const stmt of source.statements) {
    if (ts.isImportDeclaration(stmt)) {
      const from = stmt.moduleSpecifier.text;
      const target = join(dirname(module), from).replace(/^\.\//, '');
      for (const el of stmt.importClause?.namedBindings?.elements ?? []) imports.set(el.name.text, target);
    } else if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
      decls.push(stmt);
    }
  }
  return { module, imports, decls };
}

/** Context for converting type nodes of one module. */
function makeConverter(mod, aliasKinds) {
  const pkg = packageOf(mod.module);
  const refName = (name) => {
    const target = mod.imports.get(name);
    return `${target ? packageOf(target) : pkg}.${name}`;
  };
  const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

  function convert(node, fieldKey) {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword: {
        if (DOUBLE_FIELDS.has(fieldKey)) return { type: 'number', format: 'double' };
        const field = fieldKey?.split('.').pop();
        return { type: 'integer', format: INT64_FIELDS.has(field) ? 'int64' : 'int32' };
      }
      case ts.SyntaxKind.LiteralType:
        return { type: 'string' };
      case ts.SyntaxKind.UnionType: {
        const parts = node.types.map((t) => t.getText());
        if (parts.includes('number') && parts.includes('string')) return ref(INT_OR_STRING);
        throw new Error(`unsupported union ${node.getText()} at ${fieldKey}`);
      }
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: itemSchema(node.elementType, fieldKey) };
      case ts.SyntaxKind.TypeReference: {
        const name = node.typeName.getText();
        if (name === 'Array') return { type: 'array', items: itemSchema(node.typeArguments[0], fieldKey) };
        return ref(refName(name));
      }
      case ts.SyntaxKind.TypeLiteral: {
        const index = node.members.find((m) => ts.isIndexSignatureDeclaration(m));
        if (!index) throw new Error(`unsupported type literal at ${fieldKey}`);
        return { type: 'object', additionalProperties: itemSchema(index.type, fieldKey) };
      }
      default:
        throw new Error(`unsupported type ${ts.SyntaxKind[node.kind]} at ${fieldKey}`);
    }
  }

  /** Element schemas: kube marks value-typed elements with a zero default. */
  function itemSchema(node, fieldKey) {
    const schema = convert(node, fieldKey);
    if (schema.type === 'string') return { ...schema, default: '' };
    if (schema.$ref && aliasKinds.objectRefs.has(schema.$ref)) return { allOf: [schema], default: {} };
    return schema;
  }

  return { convert, refName, pkg };
}

function zeroDefault(schema, objectRefs) {
  if (schema.type === 'string') return '';
  if (schema.type === 'integer' || schema.type === 'number') return 0;
  if (schema.type === 'boolean') return false;
  if (schema.$ref && objectRefs.has(schema.$ref)) return {};
  return undefined;
}

/** Builds the schema of one interface declaration. */
function interfaceSchema(decl, name, conv, objectRefs) {
  const schema = { type: 'object' };
  const description = jsdocOf(decl);
  if (description) schema.description = description;
  const properties = {};
  const required = [];
  let apiVersion;
  let kind;
  for (const member of decl.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const prop = member.name.getText().replace(/^["']|["']$/g, '');
    const fieldKey = `${name}.${prop}`;
    let field = conv.convert(member.type, fieldKey);
    const doc = jsdocOf(member);
    const isRequired = !member.questionToken;
    if (isRequired) required.push(prop);
    const dflt = isRequired || prop === 'metadata' ? zeroDefault(field, objectRefs) : undefined;
    if (field.$ref && (doc || dflt !== undefined)) field = { allOf: [field] };
    if (doc) field.description = doc;
    if (dflt !== undefined) field.default = dflt;
    properties[prop] = field;
    if (ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal)) {
      if (prop === 'apiVersion') apiVersion = member.type.literal.text;
      if (prop === 'kind') kind = member.type.literal.text;
    }
  }
  if (Object.keys(properties).length > 0) schema.properties = properties;
  if (required.length > 0) schema.required = required;
  if (apiVersion && kind) {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = apiVersion.slice(slash + 1);
    schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  }
  return schema;
}

/** Schemas for the type aliases (Time, Quantity, ...), in the shape kube-apiserver serves. */
function aliasSchema(decl, name) {
  const description = jsdocOf(decl);
  const base = description ? { description } : {};
  if (name.endsWith('.Time') || name.endsWith('.MicroTime'))
    return { ...base, type: 'string', format: 'date-time' };
  if (name.endsWith('.Quantity')) return { ...base, oneOf: [{ type: 'string' }, { type: 'number' }] };
  // JSONSchemaPropsOr*: either shape is valid; kube publishes them untyped.
  return base;
}

function intOrStringSchema() {
  return {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  };
}

function applyTables(defs) {
  const table = JSON.parse(readFileSync(join(schemaDir, 'patch-strategies.json'), 'utf8'));
  const field = (key) => {
    const dot = key.lastIndexOf('.');
    const def = defs[key.slice(0, dot)];
    const prop = def?.properties?.[key.slice(dot + 1)];
    if (!prop) throw new Error(`patch-strategies.json names an unknown field ${key}`);
    return prop;
  };
  for (const [key, value] of Object.entries(table.patch)) {
    const [strategy, mergeKey] = value.split('/');
    const prop = field(key);
    prop['x-kubernetes-patch-strategy'] = strategy;
    if (mergeKey) prop['x-kubernetes-patch-merge-key'] = mergeKey;
  }
  for (const [key, value] of Object.entries(table.listType)) {
    const [type, keys] = value.split('/');
    const prop = field(key);
    prop['x-kubernetes-list-type'] = type;
    if (keys) prop['x-kubernetes-list-map-keys'] = keys.split(',');
  }
  for (const [name, props] of Object.entries(EXTRA_PROPERTIES)) Object.assign(defs[name].properties, props);
  for (const [name, kind] of Object.entries(META_GVKS)) {
    defs[name]['x-kubernetes-group-version-kind'] = [{ group: '', kind, version: 'v1' }];
  }
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

function main() {
  const modules = listDts(typesDir).map(parseModule);
  // First pass: which names are object schemas (interfaces), so refs to them get `default: {}`.
  const objectRefs = new Set();
  for (const mod of modules) {
    for (const decl of mod.decls) {
      if (ts.isInterfaceDeclaration(decl)) {
        objectRefs.add(`#/components/schemas/${packageOf(mod.module)}.${decl.name.text}`);
      }
    }
  }
  const defs = { [INT_OR_STRING]: intOrStringSchema() };
  for (const mod of modules) {
    const conv = makeConverter(mod, { objectRefs });
    for (const decl of mod.decls) {
      const name = `${conv.pkg}.${decl.name.text}`;
      defs[name] = ts.isInterfaceDeclaration(decl)
        ? interfaceSchema(decl, name, conv, objectRefs)
        : aliasSchema(decl, name);
      // apiextensions JSON holds any JSON value; kube publishes it without a type.
      if (name === `${EXT}.JSON`) delete defs[name].type;
    }
  }
  applyTables(defs);
  const sorted = sortKeys(defs);
  const lines = Object.entries(sorted).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `{\n${lines.join(',\n')}\n}\n`);
  console.log(`wrote ${Object.keys(sorted).length} definitions to ${relative(root, outFile)}`);
}

main();
