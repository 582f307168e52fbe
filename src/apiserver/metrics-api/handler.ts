/**
 * HTTP for metrics.k8s.io/v1beta1, served in-process as metrics-server serves it through
 * aggregation: the group document, the resource list, nodes and pods (get and list, with
 * label and field selectors, as objects or as a Table for `kubectl get`). Read-only: every
 * other verb is a 405, and so is watch. `kubectl top` finds the group in /apis (apiGroupEntry)
 * and then lists or gets these paths.
 */
import { errors } from '../../api/errors.js';
import { queryFlag, type Request, type Response, sendJSON } from '../http.js';
import { negotiate, parseIncludeObject } from '../table.js';
import {
  type MetricsAPI,
  metricsGroup,
  metricsVersion,
  type NodeMetrics,
  type PodMetrics,
  totalUsage,
} from './metrics-api.js';

const groupVersion = `${metricsGroup}/${metricsVersion}`;
const prefix = `/apis/${metricsGroup}`;

/** True for every path this handler owns (/apis/metrics.k8s.io and below). */
export function isMetricsPath(path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The group's entry in the /apis APIGroupList. */
export function apiGroupEntry(): object {
  const version = { groupVersion, version: metricsVersion };
  return { name: metricsGroup, versions: [version], preferredVersion: version };
}

/** An /apis APIGroupList (discovery.ts's apiGroupList) with the metrics group added, once. */
export function withMetricsGroup(list: object): object {
  const groups = ((list as { groups?: Array<{ name?: string }> }).groups ?? []) as object[];
  if (groups.some((g) => (g as { name?: string }).name === metricsGroup)) return list;
  return { ...list, groups: [...groups, apiGroupEntry()] };
}

/** /apis/metrics.k8s.io/v1beta1: what `kubectl api-resources` and the RESTMapper read. */
export function resourceList(): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: [
      { name: 'nodes', singularName: 'node', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

/**
 * Serves one request under /apis/metrics.k8s.io (check with isMetricsPath first). Errors are
 * thrown as ApiErrors for the caller's Status writer, like every other handler's.
 */
export async function handleMetricsRequest(
  req: Request,
  res: Response,
  url: URL,
  api: MetricsAPI,
): Promise<void> {
  const method = req.method ?? 'GET';
  const parts = url.pathname.split('/').filter(Boolean).slice(2); // after apis/metrics.k8s.io
  if (parts.length === 0) {
    onlyGet(method);
    return sendJSON(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupEntry() });
  }
  if (parts[0] !== metricsVersion) throw errors.noRoute(url.pathname);
  let rest = parts.slice(1);
  if (rest.length === 0) {
    onlyGet(method);
    return sendJSON(res, 200, resourceList());
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, ...extra] = rest;
  if (
    extra.length > 0 ||
    (resource !== 'nodes' && resource !== 'pods') ||
    (resource === 'nodes' && namespace)
  )
    throw errors.noRoute(url.pathname);
  onlyGet(method);
  if (queryFlag(url.searchParams.get('watch'))) throw errors.methodNotAllowed('watch');

  const shape = negotiate(req.headers.accept);
  if (!shape) throw errors.notAcceptable('only application/json and Table responses are available');
  const selectors = {
    labelSelector: url.searchParams.get('labelSelector'),
    fieldSelector: url.searchParams.get('fieldSelector'),
  };
  let items: Array<NodeMetrics | PodMetrics>;
  let single: NodeMetrics | PodMetrics | undefined;
  if (resource === 'nodes') {
    if (name) single = await api.getNode(name);
    else items = await api.listNodes(selectors);
  } else if (name) {
    if (!namespace) throw errors.noRoute(url.pathname); // a pod name needs its namespace
    single = await api.getPod(namespace, name);
  } else {
    items = await api.listPods(namespace, selectors);
  }
  const objects = single ? [single] : items!;
  if (shape === 'table')
    return sendJSON(res, 200, toTable(objects, parseIncludeObject(url.searchParams.get('includeObject'))));
  if (single) return sendJSON(res, 200, single);
  const kind = resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList';
  return sendJSON(res, 200, { kind, apiVersion: groupVersion, metadata: {}, items: objects });
}

function onlyGet(method: string): void {
  if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed(method);
}

/** metrics-server's table: Name, cpu, memory (a pod's containers summed) and Window. */
function toTable(objects: Array<NodeMetrics | PodMetrics>, include: 'None' | 'Metadata' | 'Object'): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      { name: 'cpu', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'memory', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
    ],
    rows: objects.map((o) => {
      const usage = totalUsage(o);
      const row: Record<string, unknown> = { cells: [o.metadata.name, usage.cpu, usage.memory, o.window] };
      if (include === 'Object') row.object = o;
      else if (include === 'Metadata')
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}
