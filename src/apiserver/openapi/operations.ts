/**
 * The `paths` of an OpenAPI v3 group-version document, shaped as kube-apiserver serves them.
 * kubectl reads two things here: the PATCH operation tagged with the kind's
 * x-kubernetes-group-version-kind must declare the `fieldValidation` query parameter (or
 * `apply --validate=strict` falls back to client-side checks), and `explain` finds the kind of a
 * resource from the GVK on the operations of its collection and item paths.
 */
import { definitionName, REF_PREFIX } from '../../api/schema/index.js';
import type { ResourceStrategy } from '../../registry/types.js';

type Json = Record<string, unknown>;

const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

const ref = (name: string) => ({ $ref: `${REF_PREFIX}${name}` });

function query(name: string, type: string, description: string): Json {
  return { description, in: 'query', name, schema: { type, uniqueItems: true } };
}

function pathParam(name: string, description: string): Json {
  return { description, in: 'path', name, required: true, schema: { type: 'string', uniqueItems: true } };
}

const P = {
  pretty: query('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: query(
    'dryRun',
    'string',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: query(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  ),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ),
  force: query(
    'force',
    'boolean',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  ),
  gracePeriodSeconds: query(
    'gracePeriodSeconds',
    'integer',
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  ),
  propagationPolicy: query(
    'propagationPolicy',
    'string',
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
  namespace: pathParam('namespace', 'object name and auth scope, such as for teams and projects'),
};

const LIST_PARAMS: Json[] = [
  query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  query(
    'continue',
    'string',
    'The continue option should be set when retrieving more results from the server.',
  ),
  query(
    'fieldSelector',
    'string',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  query(
    'labelSelector',
    'string',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  query(
    'resourceVersion',
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  query(
    'resourceVersionMatch',
    'string',
    'resourceVersionMatch determines how resourceVersion is applied to list calls.',
  ),
  query('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`.'),
  query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  query(
    'watch',
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  ),
];

function content(name: string, types: string[]): Json {
  return Object.fromEntries(types.map((t) => [t, { schema: ref(name) }]));
}

function responses(
  name: string,
  codes: Record<string, string>,
  types = ['application/json', 'application/yaml'],
): Json {
  const out: Json = {};
  for (const [code, description] of Object.entries(codes))
    out[code] = { content: content(name, types), description };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** Names used in operationIds and tags: "apps" -> "Apps", "rbac.authorization.k8s.io" -> "RbacAuthorization". */
function groupIdent(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The tag kube puts on every operation of a group-version, e.g. "apps_v1", "core_v1". */
export function tagOf(group: string, version: string): string {
  const ident = groupIdent(group);
  return `${ident.charAt(0).toLowerCase()}${ident.slice(1)}_${version}`;
}

interface OpSpec {
  action: string;
  verb: string;
  gvk: { group: string; version: string; kind: string };
  parameters?: Json[];
  requestBody?: Json;
  responses: Json;
  description: string;
}

function operation(r: ResourceStrategy, id: string, spec: OpSpec): Json {
  const op: Json = {
    description: spec.description,
    operationId: `${spec.verb}${groupIdent(r.group)}${versionIdent(r.version)}${id}`,
  };
  if (spec.parameters) op.parameters = spec.parameters;
  if (spec.requestBody) op.requestBody = spec.requestBody;
  op.responses = spec.responses;
  op.tags = [tagOf(r.group, r.version)];
  op['x-kubernetes-action'] = spec.action;
  op['x-kubernetes-group-version-kind'] = spec.gvk;
  return op;
}

const versionIdent = (v: string) => v.charAt(0).toUpperCase() + v.slice(1);

/** kube's wording: "read the specified Deployment", "read status of the specified Deployment". */
const describe = (action: string, what: string, kind: string) =>
  what ? `${action} ${what} of the specified ${kind}` : `${action} the specified ${kind}`;

/** Adds the collection, item and subresource paths of one resource to `paths`. */
export function addResourcePaths(paths: Record<string, Json>, r: ResourceStrategy): void {
  const verbs = new Set(r.verbs ?? ALL_VERBS);
  const kindName = definitionName(r.group, r.version, r.kind);
  const listName = definitionName(r.group, r.version, `${r.kind}List`);
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
  const scopeParams = r.namespaced ? [P.namespace] : [];
  const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
  const body = (name: string) => ({ content: { '*/*': { schema: ref(name) } }, required: true });
  const patchBody = { content: content(`${META}.Patch`, PATCH_TYPES), required: true };
  const common = { gvk };

  const coll: Json = { parameters: [...scopeParams, P.pretty] };
  if (verbs.has('list')) {
    coll.get = operation(r, `${scope}${r.kind}`, {
      ...common,
      action: 'list',
      verb: 'list',
      description: `list or watch objects of kind ${r.kind}`,
      parameters: LIST_PARAMS,
      responses: responses(listName, { 200: 'OK' }, [
        'application/json',
        'application/yaml',
        'application/json;stream=watch',
      ]),
    });
  }
  if (verbs.has('create')) {
    coll.post = operation(r, `${scope}${r.kind}`, {
      ...common,
      action: 'post',
      verb: 'create',
      description: `create a ${r.kind}`,
      parameters: writeParams,
      requestBody: body(kindName),
      responses: responses(kindName, { 200: 'OK', 201: 'Created', 202: 'Accepted' }),
    });
  }
  if (verbs.has('deletecollection')) {
    coll.delete = operation(r, `Collection${scope}${r.kind}`, {
      ...common,
      action: 'deletecollection',
      verb: 'delete',
      description: `delete collection of ${r.kind}`,
      parameters: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy, ...LIST_PARAMS],
      requestBody: { content: { '*/*': { schema: ref(`${META}.DeleteOptions`) } } },
      responses: responses(`${META}.Status`, { 200: 'OK' }),
    });
  }
  if (coll.get || coll.post || coll.delete) paths[collection] = coll;

  if (r.namespaced && verbs.has('list')) {
    paths[`${base}/${r.resource}`] = {
      get: operation(r, `${r.kind}ForAllNamespaces`, {
        ...common,
        action: 'list',
        verb: 'list',
        description: `list or watch objects of kind ${r.kind}`,
        responses: responses(listName, { 200: 'OK' }, [
          'application/json',
          'application/yaml',
          'application/json;stream=watch',
        ]),
      }),
      parameters: [...LIST_PARAMS, P.pretty],
    };
  }

  const itemParams = [pathParam('name', `name of the ${r.kind}`), ...scopeParams, P.pretty];
  const item: Json = { parameters: itemParams };
  const itemOps = (suffix: string, name: string, opGvk: OpSpec['gvk'], what: string, withDelete: boolean) => {
    const out: Json = {};
    const c = { gvk: opGvk };
    if (verbs.has('get')) {
      out.get = operation(r, `${scope}${r.kind}${suffix}`, {
        ...c,
        action: 'get',
        verb: 'read',
        description: describe('read', what, r.kind),
        responses: responses(name, { 200: 'OK' }),
      });
    }
    if (verbs.has('update')) {
      out.put = operation(r, `${scope}${r.kind}${suffix}`, {
        ...c,
        action: 'put',
        verb: 'replace',
        description: describe('replace', what, r.kind),
        parameters: writeParams,
        requestBody: body(name),
        responses: responses(name, { 200: 'OK', 201: 'Created' }),
      });
    }
    if (verbs.has('patch')) {
      out.patch = operation(r, `${scope}${r.kind}${suffix}`, {
        ...c,
        action: 'patch',
        verb: 'patch',
        description: describe('partially update', what, r.kind),
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force],
        requestBody: patchBody,
        responses: responses(name, { 200: 'OK', 201: 'Created' }),
      });
    }
    if (withDelete && verbs.has('delete')) {
      out.delete = operation(r, `${scope}${r.kind}`, {
        ...c,
        action: 'delete',
        verb: 'delete',
        description: `delete a ${r.kind}`,
        parameters: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy],
        requestBody: { content: { '*/*': { schema: ref(`${META}.DeleteOptions`) } } },
        responses: responses(`${META}.Status`, { 200: 'OK', 202: 'Accepted' }),
      });
    }
    return out;
  };

  Object.assign(item, itemOps('', kindName, gvk, '', true));
  if (Object.keys(item).length > 1) paths[`${collection}/{name}`] = item;
  if (r.hasStatus) {
    paths[`${collection}/{name}/status`] = {
      ...itemOps('Status', kindName, gvk, 'status', false),
      parameters: itemParams,
    };
  }
  if (r.scale) {
    const scaleGvk = { group: 'autoscaling', kind: 'Scale', version: 'v1' };
    paths[`${collection}/{name}/scale`] = {
      ...itemOps('Scale', SCALE, scaleGvk, 'scale', false),
      parameters: itemParams,
    };
  }
}

/** The `/api/v1/` or `/apis/<g>/<v>/` discovery path every group-version document starts with. */
export function discoveryPath(group: string, version: string): [string, Json] {
  const path = group ? `/apis/${group}/${version}/` : `/api/${version}/`;
  const get = {
    description: 'get available resources',
    operationId: `get${groupIdent(group)}${versionIdent(version)}APIResources`,
    responses: responses(`${META}.APIResourceList`, { 200: 'OK' }),
    tags: [tagOf(group, version)],
  };
  return [path, { get }];
}
